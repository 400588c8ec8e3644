package io.jobline.executor;

/** Where the executor keeps the contexts of what runs, so cancel and shutdown can reach them. */
interface RunningRuns {
  void add(RunExecution execution);

  void remove(RunExecution execution);

  boolean isCancelled(String runId, int attempt);

  /** Whether this attempt lost its partition (its events are not committed). */
  boolean isFenced(String claimKey, long epoch);
}
