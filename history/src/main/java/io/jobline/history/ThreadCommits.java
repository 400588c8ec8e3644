package io.jobline.history;

import io.jobline.topic.CommitPace;

/**
 * The commits of one Streams thread, which commits all of its tasks at once: a round starts when
 * the first task's {@link CommitHook} runs (its writes to MongoDB) and ends when the transaction's
 * commit returns ({@link CommitTimingClients}), or, where Streams' producers are not those (a
 * rebuild, tests), when the thread next reads a record or punctuates. The tasks ask for a commit
 * only when this thread's {@link CommitPace} says so: each task asking on its own every {@code
 * history.commitInterval} made a thread of twelve tasks commit three to four times a second under a
 * steady load, each commit a few hundred milliseconds of MongoDB and broker round trips, so history
 * read its records late (README, "Benchmark"). A round is followed by at least as much work ({@link
 * #WAIT_PER_ROUND}).
 *
 * <p>Times are the tasks' wall clock in milliseconds ({@code currentSystemTimeMs}).
 */
final class ThreadCommits {
  private static final ThreadLocal<ThreadCommits> OF_THREAD = new ThreadLocal<>();
  private static final long NANOS_PER_MS = 1_000_000L;

  /**
   * The next round waits as long as the last one took (at least the interval). A round is mostly
   * the writes of the runs read since the last one, which a longer wait only makes larger: waiting
   * four times the round (the executor's pace) made the rounds feed each other, so at 2,000 runs a
   * second a thread committed about once a second and history's lag was 0.8 s (p50) / 1.7 s (p99);
   * with once the round, 0.3 s / 0.6 s, and bursts went faster too ({@code jobline bench}).
   */
  static final int WAIT_PER_ROUND = 1;

  private final long intervalMs;
  private CommitPace pace;
  private long roundStart = -1;

  ThreadCommits(long intervalMs) {
    this.intervalMs = intervalMs;
  }

  /**
   * The commits of the calling thread, paced at {@code intervalMs} at least (one history per JVM
   * sets it; a different interval starts the pace anew).
   */
  static ThreadCommits ofThisThread(long intervalMs) {
    ThreadCommits commits = OF_THREAD.get();
    if (commits == null || commits.intervalMs != intervalMs) {
      commits = new ThreadCommits(intervalMs);
      OF_THREAD.set(commits);
    }
    return commits;
  }

  /** A task's commit hook runs at {@code now}: the first one of a round starts it. */
  void hookRan(long now) {
    if (roundStart < 0) {
      roundStart = now;
    }
  }

  /** The thread reads or punctuates at {@code now}: a round in progress has ended. */
  void working(long now) {
    if (roundStart >= 0) {
      pace(now).committed(roundStart * NANOS_PER_MS, now * NANOS_PER_MS);
      roundStart = -1;
    }
  }

  /** Whether a task may ask for a commit at {@code now}. */
  boolean due(long now) {
    return roundStart < 0 && pace(now).due(now * NANOS_PER_MS);
  }

  private CommitPace pace(long now) {
    if (pace == null) {
      // as if the last commit ended an interval ago: the first one is due at once
      pace =
          new CommitPace(
              intervalMs * NANOS_PER_MS, (now - intervalMs) * NANOS_PER_MS, WAIT_PER_ROUND);
    }
    return pace;
  }
}
