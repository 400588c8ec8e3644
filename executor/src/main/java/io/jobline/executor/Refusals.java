package io.jobline.executor;

import io.jobline.topic.DeadLetter;
import io.jobline.topic.Topics;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import io.jobline.wire.WireLimits;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.ListIterator;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a record the executor cannot run to the dead-letter topic with its reason; when the record
 * names its run, that run ends as failed with the same reason, so whoever waits on it hears —
 * unless a request of that run attempt runs, waits or ended lately here: the record refused is then
 * a bad copy, and the run goes on as the good one says.
 */
final class Refusals {
  private static final Logger LOG = LoggerFactory.getLogger(Refusals.class);
  private final String executorId;
  private final Clock clock;
  private final EventPublisher events;
  private final DeadLetters deadLetters;
  private final Predicate<String> hereAlready;
  private final AtomicLong count = new AtomicLong();

  /**
   * Refusals that ask {@code dispatcher} whether a run attempt is here. (Not whether it moved
   * aside: a copy of one moved follows it, and is refused, if at all, where its twin waits; and the
   * request refused may be the one moved, read back from the overflow lane here, found by review.)
   */
  Refusals(
      String executorId,
      Clock clock,
      EventPublisher events,
      DeadLetters deadLetters,
      Dispatcher dispatcher) {
    this(executorId, clock, events, deadLetters, dispatcher::runsOrWaits);
  }

  /**
   * @param hereAlready whether a request of a run attempt ({@link Pending#claimKey}) runs, waits or
   *     ended lately here
   */
  Refusals(
      String executorId,
      Clock clock,
      EventPublisher events,
      DeadLetters deadLetters,
      Predicate<String> hereAlready) {
    this.executorId = executorId;
    this.clock = clock;
    this.events = events;
    this.deadLetters = deadLetters;
    this.hereAlready = hereAlready;
  }

  long count() {
    return count.get();
  }

  /**
   * Refuses {@code record}: its dead letter goes into the open transaction; {@code done} (its
   * offset) runs once the run's failure, when it has a run id, is in that transaction too, so
   * neither is committed without the other.
   *
   * @param request what could be read of it (its ids at least), or null
   */
  void refuse(
      ConsumerRecord<byte[], byte[]> record, String reason, JobRequest request, Runnable done) {
    refuse(record, reason, request, false, done);
  }

  /**
   * As {@link #refuse(ConsumerRecord, String, JobRequest, Runnable)}; {@code runsElsewhere}: the
   * record is a copy of a request whose attempt the partition's previous owner still ran when it
   * handed it over (that owner publishes its end, or the takeover of the request its note names
   * does).
   */
  void refuse(
      ConsumerRecord<byte[], byte[]> record,
      String reason,
      JobRequest request,
      boolean runsElsewhere,
      Runnable done) {
    count.incrementAndGet();
    String why = DeadLetters.capped(reason);
    if (request == null || request.runId() == null) {
      deadLetters.send(record, why, DeadLetter.RUN_NONE, done);
      return;
    }
    Optional<String> unstorable = WireLimits.unstorableRunId(request.runId().value());
    if (unstorable.isPresent()) {
      // no run can be stored under it: its failure, keyed by it, would only be set aside, and one
      // salvaged from a record too large to run put the event over Kafka's largest record, so
      // the transaction failed and the record was read and refused again for good (review); a
      // lone surrogate's failure was keyed by another id than its request (found by review)
      deadLetters.send(
          record,
          DeadLetters.capped(
              why + "; its run_id " + unstorable.get() + ", so no run of it is failed"),
          DeadLetter.RUN_NONE,
          done);
      return;
    }
    if (runsElsewhere) {
      deadLetters.send(
          record,
          DeadLetters.capped(
              why
                  + "; its run attempt goes on at the partition's previous owner, which ran"
                  + " another copy"),
          DeadLetter.RUN_ELSEWHERE,
          done);
      return;
    }
    if (hereAlready.test(Pending.claimKey(request.runId().value(), request.attemptOrFirst()))) {
      // a bad copy of a good request (a client reusing a run id, a copy changed on the way):
      // its failure ended the run the good copy runs, and its real end then changed nothing
      // (found by review)
      deadLetters.send(
          record,
          DeadLetters.capped(why + "; its run attempt goes on here as its other copy says"),
          DeadLetter.RUN_ELSEWHERE,
          done);
      return;
    }
    deadLetters.send(record, why, DeadLetter.RUN_FAILED, () -> {});
    events.publish(failure(request, why, 0), record.partition(), done);
  }

  private RunEvent failure(JobRequest request, String why, long epoch) {
    return new RunEvent(
        request.runId(),
        1,
        EventType.FAILED,
        clock.instant(),
        executorId,
        request.attemptOrFirst(),
        epoch,
        Json.object()
            .put("error", why)
            // (salvaged from a record too large to run, either may be as long as the record)
            .put("job_name", WireLimits.cutId(request.jobName()))
            .put("tenant_id", WireLimits.cutId(request.tenantId())));
  }

  /** A refusal waiting for the previous owner's claim on its attempt (poll thread only). */
  private record OnClaim(
      ConsumerRecord<byte[], byte[]> record,
      String reason,
      JobRequest request,
      long partitionEpoch,
      Runnable done,
      Instant notBefore) {
    String claimKey() {
      return Pending.claimKey(request.runId().value(), request.attemptOrFirst());
    }

    /** The same, asked again at {@code t}. */
    OnClaim askedAgainAt(Instant t) {
      return new OnClaim(record, reason, request, partitionEpoch, done, t);
    }
  }

  private final List<OnClaim> onClaims = new ArrayList<>();

  /**
   * Refuses {@code record}, the request a hand-over note names as still running at the partition's
   * previous owner, once that owner's claim on its attempt has ended ({@link #retryOnClaims}):
   * refused at once, its failure (at epoch 0, which history takes over any) failed a run that owner
   * then completed; sent to the dead-letter topic only, the run read running for good should that
   * owner die or stop without an end (found by review).
   */
  void refuseOnClaim(
      ConsumerRecord<byte[], byte[]> record,
      String reason,
      JobRequest request,
      long partitionEpoch,
      Runnable done) {
    if (request == null || request.runId() == null) {
      refuse(record, reason, request, done);
      return;
    }
    count.incrementAndGet();
    onClaims.add(new OnClaim(record, reason, request, partitionEpoch, done, Instant.MIN));
  }

  /**
   * Asks the claim of each refusal waiting on one whose time has come: ended, the record goes to
   * the dead-letter topic and the end the claim holds is published again (its transaction may have
   * been aborted); still held, it waits until the claim may have lapsed; taken here (its owner died
   * without an end), the run ends failed with the reason, above both owners' epochs.
   */
  void retryOnClaims(ClaimStore claims, Duration ttl) {
    if (onClaims.isEmpty()) {
      return;
    }
    Instant now = clock.instant();
    for (ListIterator<OnClaim> it = onClaims.listIterator(); it.hasNext(); ) {
      OnClaim w = it.next();
      if (w.notBefore().isAfter(now)) {
        continue;
      }
      String why = DeadLetters.capped(w.reason());
      boolean removed = false;
      try {
        ClaimStore.Claim claim = claims.claim(w.claimKey(), executorId, now, ttl);
        switch (claim.outcome()) {
          case HELD_ELSEWHERE -> it.set(w.askedAgainAt(claim.expiresAt().plusMillis(50)));
          case ALREADY_DONE -> {
            RunEvent end =
                TakeOver.endHeld(w.request(), claim, executorId, now, w.partitionEpoch());
            it.remove();
            removed = true;
            String ended =
                DeadLetters.capped(why + "; its run attempt ended at the previous owner");
            if (end == null) {
              deadLetters.send(w.record(), ended, DeadLetter.RUN_ELSEWHERE, w.done());
            } else {
              deadLetters.send(w.record(), ended, DeadLetter.RUN_ELSEWHERE, () -> {});
              events.publishEnd(end, null, w.record().partition(), w.done(), null);
            }
          }
          default -> {
            it.remove();
            removed = true;
            RunEvent failed =
                failure(w.request(), why, Math.max(w.partitionEpoch(), claim.epoch()));
            try {
              claims.finish(
                  w.claimKey(),
                  executorId,
                  claim.epoch(),
                  new String(
                      Topics.EVENTS
                          .valueSerde()
                          .serializer()
                          .serialize(Topics.EVENTS.name(), failed),
                      StandardCharsets.UTF_8));
            } catch (RuntimeException notNoted) {
              LOG.warn(
                  "Could not note the refusal of {} on its claim: {}",
                  w.claimKey(),
                  notNoted.toString());
            }
            deadLetters.send(w.record(), why, DeadLetter.RUN_FAILED, () -> {});
            events.publish(failed, w.record().partition(), w.done());
          }
        }
      } catch (RuntimeException e) {
        LOG.warn(
            "Could not ask the claim of {} refused; asked again in a second: {}",
            w.claimKey(),
            e.toString());
        if (removed) {
          it.add(w.askedAgainAt(now.plusSeconds(1))); // (set after a remove throws)
        } else {
          it.set(w.askedAgainAt(now.plusSeconds(1)));
        }
      }
    }
  }

  /** Forgets the refusals waiting of partitions no longer owned or read again. */
  void dropOnClaims(Collection<TopicPartition> partitions) {
    onClaims.removeIf(
        w -> partitions.contains(new TopicPartition(w.record().topic(), w.record().partition())));
  }

  /** How many refusals wait on a claim. */
  int onClaims() {
    return onClaims.size();
  }
}
