package io.jobline.topic;

/**
 * When a thread that commits a Kafka transaction (the executor's poll thread, a history stream
 * thread) commits next. A commit blocks the poll thread for two round trips to the broker (the
 * offsets, then the commit), and on a busy machine those take far longer than the commit interval:
 * measured under the noisy-neighbour load, about 200 ms each against a 200 ms interval, so the poll
 * thread waited on commits most of the time and read (and moved aside) requests only in between. So
 * the next commit is due after the interval, or after {@value #WAIT_PER_COMMIT} times as long as
 * the last commit took, whichever is longer: commits take at most about a fifth of the poll
 * thread's time, and at the interval when the broker answers quickly; never more than {@link
 * #MAX_WAIT_NANOS} apart. History's stream threads pace their commits the same way ({@code
 * ThreadCommits}), with a wait of once what the last round took ({@link #CommitPace(long, long,
 * int)}): most of their round is writing the runs read since, work that is not saved by committing
 * less often, and four times it made history commit about once a second at 2,000 runs a second.
 * Pure; times are nanoseconds of one clock: the executor's {@link System#nanoTime()}, history's
 * wall clock (which may be set back, hence the guard in {@link #due}), or a test's.
 */
public final class CommitPace {
  /** How many times as long as the last commit took the poll thread works before the next. */
  static final int WAIT_PER_COMMIT = 4;

  /**
   * The longest the poll thread works between commits, however long the last one took: a commit
   * that spans a freeze of the process (SIGSTOP, a long GC pause, a stopped VM) seems to take the
   * whole freeze, and four times that without a commit outlives the transaction timeout, so what
   * the runs did since is aborted and done again. (Found by freezing an executor mid-burst: 35 s
   * frozen meant 140 s without a commit, runs finished but invisible, then run again.)
   */
  static final long MAX_WAIT_NANOS = 2_000_000_000L;

  private final long intervalNanos;
  private final int waitPerCommit;
  private long lastEnd;
  private long lastTook;

  public CommitPace(long intervalNanos, long nowNanos) {
    this(intervalNanos, nowNanos, WAIT_PER_COMMIT);
  }

  /**
   * @param waitPerCommit how many times as long as the last commit took to work before the next (at
   *     least the interval, at most {@link #MAX_WAIT_NANOS})
   */
  public CommitPace(long intervalNanos, long nowNanos, int waitPerCommit) {
    if (waitPerCommit < 0) {
      throw new IllegalArgumentException("waitPerCommit must not be negative: " + waitPerCommit);
    }
    this.intervalNanos = intervalNanos;
    this.waitPerCommit = waitPerCommit;
    this.lastEnd = nowNanos;
  }

  /**
   * Whether a commit is due at {@code nowNanos}; always when the clock is before the last commit's
   * end (a wall clock set back).
   */
  public boolean due(long nowNanos) {
    return nowNanos < lastEnd
        || nowNanos - lastEnd
            >= Math.max(intervalNanos, Math.min(waitPerCommit * lastTook, MAX_WAIT_NANOS));
  }

  /** Notes a commit (or an attempt) that ran from {@code startNanos} to {@code endNanos}. */
  public void committed(long startNanos, long endNanos) {
    lastEnd = endNanos;
    lastTook = Math.max(0, endNanos - startNanos);
  }
}
