package io.jobline.scheduler;

import com.codahale.metrics.health.HealthCheck;

/** Healthy while the scheduler loop runs; says whether this replica leads. */
public final class SchedulerHealthCheck extends HealthCheck {
  private final Scheduler scheduler;

  public SchedulerHealthCheck(Scheduler scheduler) {
    this.scheduler = scheduler;
  }

  @Override
  protected Result check() {
    if (!scheduler.isAlive()) {
      return Result.unhealthy("the scheduler loop is not running");
    }
    return Result.healthy(
        "%s; last cycle at %s", scheduler.isLeader() ? "leader" : "standby", scheduler.lastCycle());
  }
}
