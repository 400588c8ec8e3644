package io.jobline.executor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.job.JobDescriptor;
import io.jobline.store.TimerStore;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Acts on a retry {@link RetryPolicy} decided: stores the next attempt's timer in {@code
 * job_timers} (the scheduler fires it; executors never sleep on a record) and announces it with a
 * {@code retry_scheduled} event in the transaction of the attempt's end.
 */
final class RetryTimer {
  private static final Logger LOG = LoggerFactory.getLogger(RetryTimer.class);

  private RetryTimer() {}

  /**
   * The attempt's end as published: with {@code next_attempt} ({@code attempt}, {@code due_at})
   * when a retry follows, so history records on the ended attempt that the run goes on.
   */
  static JsonNode announcedIn(JsonNode end, RetryPolicy.Retry retry) {
    if (retry == null) {
      return end;
    }
    ObjectNode with = end instanceof ObjectNode o ? o.deepCopy() : Json.object();
    with.set(
        "next_attempt",
        Json.object()
            .put("attempt", retry.next().attemptOrFirst())
            .put("due_at", retry.due().toString()));
    return with;
  }

  /**
   * Acts again on the retry that an attempt's end, published again, said follows ({@code
   * next_attempt}): an executor that took the request over from one that ended the attempt (and may
   * have died before its transaction committed) announces it right after the end, with the sequence
   * number the first announcement had, and sets the timer unless {@code alreadySet} (the claim's
   * note: the timer may have fired since). Null when the end said no retry follows, or when its
   * time cannot be read (the end is then published alone).
   */
  static RunEvent again(
      RunEvent end, JobRequest request, JobDescriptor job, TimerStore timers, boolean alreadySet) {
    Optional<Instant> said = end.retryDueAt();
    if (said.isEmpty()) {
      if (end.payload() != null && end.payload().has("next_attempt")) {
        LOG.warn(
            "Run {}: the retry its end announced has an unreadable time; the end is published alone",
            end.runId());
      }
      return null;
    }
    Instant due = said.get();
    int max = RetryPolicy.maxAttempts(request, job);
    RetryPolicy.Retry retry = new RetryPolicy.Retry(request.nextAttempt(max, due), due, max);
    if (!alreadySet) {
      store(retry, timers);
    }
    return new RunEvent(
        end.runId(),
        end.seq() + 1,
        EventType.RETRY_SCHEDULED,
        end.timestamp(),
        end.executorId(),
        end.attempt(),
        end.epoch(),
        announcement(retry));
  }

  /** Stores the next attempt's timer now; the timer. */
  static TimerStore.Timer store(RetryPolicy.Retry retry, TimerStore timers) {
    JobRequest next = retry.next();
    TimerStore.Timer timer =
        new TimerStore.Timer(
            TimerStore.retryId(next.runId().value(), next.attempt()), retry.due(), "retry", next);
    timers.set(timer);
    return timer;
  }

  /** What the {@code retry_scheduled} event says: the next attempt, of how many, and when. */
  static ObjectNode announcement(RetryPolicy.Retry retry) {
    return Json.object()
        .put("next_attempt", retry.next().attempt())
        .put("max_attempts", retry.maxAttempts())
        .put("due_at", retry.due().toString());
  }
}
