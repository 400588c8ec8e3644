package io.jobline.executor;

import com.codahale.metrics.health.HealthCheck;

/** Healthy while the executor's poll loop is running. */
public final class ExecutorHealthCheck extends HealthCheck {
  private final Executor executor;

  public ExecutorHealthCheck(Executor executor) {
    this.executor = executor;
  }

  @Override
  protected Result check() {
    return executor.isPolling()
        ? Result.healthy("polling as %s; %d runs started, %d records dead-lettered",
            executor.executorId(), executor.startedRuns(), executor.deadLettered())
        : Result.unhealthy("the poll loop is not running");
  }
}
