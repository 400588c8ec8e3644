package io.jobline.scheduler.chain;

import com.codahale.metrics.health.HealthCheck;

/** Healthy while the chain orchestrator's loop runs; says whether this replica holds its lease. */
public final class ChainsHealthCheck extends HealthCheck {
  private final ChainOrchestrator orchestrator;

  public ChainsHealthCheck(ChainOrchestrator orchestrator) {
    this.orchestrator = orchestrator;
  }

  @Override
  protected Result check() {
    if (!orchestrator.isAlive()) {
      return Result.unhealthy(
          "the chain orchestrator loop is not running; chain runs do not advance");
    }
    return Result.healthy(orchestrator.isLeader() ? "orchestrating chain runs" : "standby");
  }
}
