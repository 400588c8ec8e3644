package io.jobline.executor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.store.TimerStore;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;

/**
 * Acts on a retry {@link RetryPolicy} decided: stores the next attempt's timer in {@code
 * job_timers} (the scheduler fires it; executors never sleep on a record) and announces it with a
 * {@code retry_scheduled} event in the transaction of the attempt's end.
 */
final class RetryTimer {
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
   * Stores the timer now.
   *
   * @return the announcement, to go out right after the attempt's end (in its transaction)
   */
  static RunEvent set(RetryPolicy.Retry retry, TimerStore timers, RunContext ctx) {
    JobRequest next = retry.next();
    timers.set(
        new TimerStore.Timer(
            TimerStore.retryId(next.runId().value(), next.attempt()), retry.due(), "retry", next));
    return ctx.event(
        EventType.RETRY_SCHEDULED,
        Json.object()
            .put("next_attempt", next.attempt())
            .put("max_attempts", retry.maxAttempts())
            .put("due_at", retry.due().toString()));
  }
}
