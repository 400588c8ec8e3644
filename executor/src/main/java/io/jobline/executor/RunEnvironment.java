package io.jobline.executor;

import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What every run on one executor shares: who it runs as, its settings, the stores and clients, the
 * outbox its events go to, its clock, and the watchdog that times its jobs.
 */
record RunEnvironment(
    String executorId,
    ExecutorSettings settings,
    ExecutorParts parts,
    EventPublisher events,
    Clock clock,
    ScheduledExecutorService watchdog) {}
