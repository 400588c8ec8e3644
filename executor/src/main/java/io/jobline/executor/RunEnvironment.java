package io.jobline.executor;

import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What every run on one executor shares: who it runs as, its settings, the stores and clients, the
 * outbox its events go to, its clock, the watchdog that times its jobs, and the thread that renews
 * the claims of runs handed over. Renewals call the store and may wait on it: on the watchdog's one
 * thread, a store that stopped answering held every job's timeout, interrupt and abandon (found by
 * review).
 */
record RunEnvironment(
    String executorId,
    ExecutorSettings settings,
    ExecutorParts parts,
    EventPublisher events,
    Clock clock,
    ScheduledExecutorService watchdog,
    ScheduledExecutorService renewer) {
  /** With claims renewed on the watchdog (tests whose store answers at once). */
  RunEnvironment(
      String executorId,
      ExecutorSettings settings,
      ExecutorParts parts,
      EventPublisher events,
      Clock clock,
      ScheduledExecutorService watchdog) {
    this(executorId, settings, parts, events, clock, watchdog, watchdog);
  }
}
