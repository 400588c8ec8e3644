package io.jobline.executor;

import io.jobline.store.TimerStore;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;

/**
 * Acts on a retry {@link RetryPolicy} decided: stores the next attempt's timer in {@code
 * job_timers} (the scheduler fires it; executors never sleep on a record) and announces it with a
 * {@code retry_scheduled} event once the attempt's end is durable.
 */
final class RetryTimer {
  private RetryTimer() {}

  /**
   * Stores the timer now.
   *
   * @return what to run once the end is durable: publish the announcement, then {@code done}
   */
  static Runnable set(
      RetryPolicy.Retry retry,
      TimerStore timers,
      RunContext ctx,
      int partition,
      EventPublisher events,
      Runnable done) {
    JobRequest next = retry.next();
    timers.set(
        new TimerStore.Timer(
            "retry:" + next.runId() + ":" + next.attempt(), retry.due(), "retry", next));
    return () ->
        events.publish(
            ctx.event(
                EventType.RETRY_SCHEDULED,
                Json.object()
                    .put("next_attempt", next.attempt())
                    .put("max_attempts", retry.maxAttempts())
                    .put("due_at", retry.due().toString())),
            partition,
            done);
  }
}
