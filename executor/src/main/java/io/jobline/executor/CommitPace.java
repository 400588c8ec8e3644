package io.jobline.executor;

/**
 * When the poll thread commits its open transaction next. A commit blocks the poll thread for two
 * round trips to the broker (the offsets, then the commit), and on a busy machine those take far
 * longer than the commit interval: measured under the noisy-neighbour load, about 200 ms each
 * against a 200 ms interval, so the poll thread waited on commits most of the time and read (and
 * moved aside) requests only in between. So the next commit is due after the interval, or after
 * {@value #WAIT_PER_COMMIT} times as long as the last commit took, whichever is longer: commits
 * take at most about a fifth of the poll thread's time, and at the interval when the broker answers
 * quickly. Pure; times are {@link System#nanoTime()} values.
 */
final class CommitPace {
  /** How many times as long as the last commit took the poll thread works before the next. */
  static final int WAIT_PER_COMMIT = 4;

  private final long intervalNanos;
  private long lastEnd;
  private long lastTook;

  CommitPace(long intervalNanos, long nowNanos) {
    this.intervalNanos = intervalNanos;
    this.lastEnd = nowNanos;
  }

  /** Whether a commit is due at {@code nowNanos}. */
  boolean due(long nowNanos) {
    return nowNanos - lastEnd >= Math.max(intervalNanos, WAIT_PER_COMMIT * lastTook);
  }

  /** Notes a commit (or an attempt) that ran from {@code startNanos} to {@code endNanos}. */
  void committed(long startNanos, long endNanos) {
    lastEnd = endNanos;
    lastTook = Math.max(0, endNanos - startNanos);
  }
}
