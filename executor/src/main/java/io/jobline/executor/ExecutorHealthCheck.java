package io.jobline.executor;

import com.codahale.metrics.health.HealthCheck;
import java.time.Duration;
import java.time.Instant;

/**
 * Healthy while the executor's poll loop is running and going round: a loop stuck on one record or
 * a hung call has not polled for {@value #STUCK_AFTER_SECONDS} s.
 */
public final class ExecutorHealthCheck extends HealthCheck {
  static final long STUCK_AFTER_SECONDS = 30;
  private final Executor executor;

  public ExecutorHealthCheck(Executor executor) {
    this.executor = executor;
  }

  @Override
  protected Result check() {
    Instant last = executor.lastPoll();
    if (executor.isPolling() && last != null) {
      long idle = Duration.between(last, executor.clock().instant()).toSeconds();
      if (idle > STUCK_AFTER_SECONDS) {
        return Result.unhealthy("the poll loop has not polled for %d s", idle);
      }
    }
    return executor.isPolling()
        ? Result.healthy(
            "polling as %s; %d runs started, %d records dead-lettered",
            executor.executorId(), executor.startedRuns(), executor.deadLettered())
        : Result.unhealthy("the poll loop is not running");
  }
}
