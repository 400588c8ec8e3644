package io.jobline.executor;

import io.jobline.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * A request whose run still went on at its partition's previous owner when the partition changed
 * hands: it runs here only once that owner's claim on it has ended, one epoch above both.
 */
final class TakeOver {
  private final ClaimStore claims;
  private final String executorId;
  private final Duration ttl;
  private final EventPublisher events;

  TakeOver(ClaimStore claims, String executorId, Duration ttl, EventPublisher events) {
    this.claims = claims;
    this.executorId = executorId;
    this.ttl = ttl;
    this.events = events;
  }

  /**
   * What becomes of the request now: empty if that attempt ended at the previous owner (its end is
   * published again and the request is done); the request again, to wait until the claim may have
   * lapsed, if it is still held; else the request claimed here, under an epoch above both.
   */
  Optional<Pending> claim(Pending p, long partitionEpoch, Instant now) {
    ClaimStore.Claim claim = claims.claim(p.elsewhere(), executorId, now, ttl);
    switch (claim.outcome()) {
      case ALREADY_DONE -> {
        if (claim.terminalEvent() != null) {
          byte[] end = claim.terminalEvent().getBytes(StandardCharsets.UTF_8);
          events.publish(
              Topics.EVENTS.valueSerde().deserializer().deserialize(Topics.EVENTS.name(), end),
              p.partition().partition(),
              p.done());
        } else {
          p.done().run();
        }
        return Optional.empty();
      }
      case HELD_ELSEWHERE -> {
        return Optional.of(p.later(claim.expiresAt().plusMillis(50)));
      }
      default -> {
        return Optional.of(p.claimed(Math.max(partitionEpoch, claim.epoch()), claim.epoch()));
      }
    }
  }
}
