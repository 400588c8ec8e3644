package io.jobline.executor;

import io.jobline.wire.JobRequest;

/** Where the executor keeps the contexts of what runs, so cancel and shutdown can reach them. */
interface RunningRuns {
  void add(RunExecution execution);

  void remove(RunExecution execution);

  boolean isCancelled(String runId, int attempt);

  /**
   * Whether {@code request}'s attempt was cancelled, or it is the automatic retry of an attempt
   * that was: a cancel sent while history still showed the attempt before running, though it had
   * failed with a retry set, meant the run, and the retry ran all the same (found by review). A
   * retry by hand after a cancel runs.
   */
  default boolean isCancelled(JobRequest request) {
    String runId = request.runId().value();
    int attempt = request.attemptOrFirst();
    return isCancelled(runId, attempt)
        || request.isAutomaticRetry() && attempt > 1 && isCancelled(runId, attempt - 1);
  }

  /** Whether this attempt lost its partition (its events are not committed). */
  boolean isFenced(String claimKey, long epoch);
}
