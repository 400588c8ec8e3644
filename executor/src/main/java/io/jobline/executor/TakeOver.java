package io.jobline.executor;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.store.TimerStore;
import io.jobline.topic.PreparedRequest;
import io.jobline.topic.Topics;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import io.jobline.wire.WireLimits;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A request whose run still went on at its partition's previous owner when the partition changed
 * hands: it runs here only once that owner's claim on it has ended, one epoch above both.
 */
final class TakeOver {
  private static final Logger LOG = LoggerFactory.getLogger(TakeOver.class);

  private final ClaimStore claims;
  private final String executorId;
  private final Duration ttl;
  private final EventPublisher events;
  private final TimerStore timers;
  private final Function<Pending, EndMark> endedElsewhere;

  TakeOver(
      ClaimStore claims,
      String executorId,
      Duration ttl,
      EventPublisher events,
      TimerStore timers) {
    this(claims, executorId, ttl, events, timers, p -> null);
  }

  /**
   * @param endedElsewhere marks an attempt found ended at another executor, whose end is published
   *     again here: the other copies of its request wait for that end and are finished with it
   */
  TakeOver(
      ClaimStore claims,
      String executorId,
      Duration ttl,
      EventPublisher events,
      TimerStore timers,
      Function<Pending, EndMark> endedElsewhere) {
    this.claims = claims;
    this.timers = timers;
    this.executorId = executorId;
    this.ttl = ttl;
    this.events = events;
    this.endedElsewhere = endedElsewhere;
  }

  /**
   * The end a claim holds, or null if it holds none. One that cannot be read is replaced by a
   * failure of the attempt saying so, at an epoch above the claim's (found by review: a result
   * whose number had more digits than a read takes could not be read back, and every pass of the
   * dispatcher threw on it before it let the request go, so nothing queued behind it started; taken
   * as none, the attempt showed running for good when the transaction of its end was void).
   */
  static RunEvent endHeld(
      JobRequest request, ClaimStore.Claim claim, String executorId, Instant now, long epoch) {
    if (claim.terminalEvent() == null) {
      return null;
    }
    try {
      return Topics.EVENTS
          .valueSerde()
          .deserializer()
          .deserialize(
              Topics.EVENTS.name(), claim.terminalEvent().getBytes(StandardCharsets.UTF_8));
    } catch (RuntimeException unreadable) {
      LOG.error(
          "The end the claim of run {} attempt {} holds cannot be read; the attempt ends failed: {}",
          request.runId().value(),
          request.attemptOrFirst(),
          unreadable.toString());
      ObjectNode failed =
          Json.object()
              .put(
                  "error", "its end, kept on its claim by the executor that ran it, cannot be read")
              .put("job_name", WireLimits.cutId(request.jobName()))
              .put("tenant_id", WireLimits.cutId(request.tenantId()));
      if (claim.retrySet()) {
        // (the end said a retry follows, and its timer is set: the failure says so too, or the
        // scheduler would take the timer for one of an end that said none and drop it; when the
        // timer is due is not known here, only that it is)
        failed.set(
            "next_attempt",
            Json.object()
                .put("attempt", request.attemptOrFirst() + 1)
                .put("due_at", now.toString()));
      }
      return new RunEvent(
          request.runId(),
          1,
          EventType.FAILED,
          now,
          executorId,
          request.attemptOrFirst(),
          Math.max(epoch, claim.epoch()) + 1,
          failed);
    }
  }

  /**
   * Notes on the claim that its retry's timer is set, as the executor that ended the attempt does:
   * without it, a later takeover of the same claim (another copy of the request) set the timer
   * again after it had fired, and the next attempt ran twice (found by review). Not noted (the
   * store fails), that is what may still happen; the end is published all the same.
   */
  private void noteRetrySet(String claimKey) {
    try {
      claims.retrySet(claimKey);
    } catch (RuntimeException e) {
      LOG.warn(
          "Could not note on the claim of {} that its retry is set: {}", claimKey, e.toString());
    }
  }

  /**
   * What becomes of the request now: empty if that attempt ended at the previous owner (its end is
   * published again, with the retry it said follows or the children a fan-out sent, and the request
   * is done); the request again, to wait until the claim may have lapsed, if it is still held; else
   * the request claimed here, under an epoch above both.
   */
  Optional<Pending> claim(Pending p, long partitionEpoch, Instant now) {
    ClaimStore.Claim claim = claims.claim(p.elsewhere(), executorId, now, ttl);
    switch (claim.outcome()) {
      case ALREADY_DONE -> {
        RunEvent end = endHeld(p.request(), claim, executorId, now, partitionEpoch);
        if (end != null) {
          RunEvent retry =
              RetryTimer.again(end, p.request(), p.job().descriptor(), timers, claim.retrySet());
          if (retry != null && !claim.retrySet()) {
            noteRetrySet(p.elsewhere());
          }
          // a fan-out's children go with its end again: the transaction that held them may be void
          List<PreparedRequest> children =
              end.type() == EventType.COMPLETED
                      && p.job().descriptor().perTenant()
                      && p.request().parentRunId() == null
                  ? FanOut.listedIn(p.request(), end.payload(), now)
                  : List.of();
          EndMark mark = endedElsewhere.apply(p);
          events.publishEnd(
              end,
              retry,
              p.partition().partition(),
              () -> {
                p.done().run();
                if (mark != null) {
                  mark.sent();
                }
              },
              mark,
              children);
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
