package io.jobline.history;

import java.util.function.Supplier;

/**
 * How a history task keeps up with its input, from the wall-clock times it read its records and
 * committed: whether it is caught up (it read its last record at most {@value #CAUGHT_UP_MS} ms
 * after that record's time), idle (caught up, and nothing read for {@value #IDLE_MS} ms since), and
 * due to ask for a commit (caught up, something read, {@code commitInterval} since the last one,
 * and its thread's commits paced by what they cost: {@link ThreadCommits}).
 */
final class TaskPace {
  /** How long the task must have read nothing to be idle. */
  static final long IDLE_MS = 200;

  /**
   * How far behind its records a task may have read its last one and still count as caught up: a
   * task that is behind may wait seconds for its next fetch, and is not idle then.
   */
  static final long CAUGHT_UP_MS = 1_000;

  /** How long after it starts a task counts as busy, whatever it reads. */
  static final long START_GRACE_MS = 2_000;

  private final long commitEveryMs;
  private long lastInput;
  private long lastLag;
  private long lastCommit;
  private boolean uncommitted;

  /** The commits of the thread the task runs on (a task moved to another thread is made anew). */
  private final Supplier<ThreadCommits> thread;

  /**
   * @param commitEveryMs how often to commit while caught up (at most: the thread's commits are
   *     paced by what they cost, {@link ThreadCommits})
   */
  TaskPace(long commitEveryMs) {
    this(commitEveryMs, () -> ThreadCommits.ofThisThread(commitEveryMs));
  }

  TaskPace(long commitEveryMs, Supplier<ThreadCommits> thread) {
    this.commitEveryMs = commitEveryMs;
    this.thread = thread;
  }

  /** The task (re)starts at {@code now}: it is not idle before its first fetch had time to come. */
  void start(long now) {
    lastLag = 0;
    lastCommit = now;
    uncommitted = false;
    lastInput = now + START_GRACE_MS;
  }

  /** The task read a record of time {@code recordTime} at {@code now}. */
  void read(long now, long recordTime) {
    thread.get().working(now);
    lastInput = now;
    lastLag = now - recordTime;
    uncommitted = true;
  }

  /** The task's commit hook starts at {@code now} (its writes, then the thread's commit). */
  void commitStarts(long now) {
    thread.get().hookRan(now);
  }

  /** The task's commit hook wrote what the task read, at {@code now}. */
  void committed(long now) {
    lastCommit = now;
    uncommitted = false;
  }

  boolean caughtUp() {
    return lastLag <= CAUGHT_UP_MS;
  }

  boolean idle(long now) {
    return caughtUp() && now - lastInput >= IDLE_MS;
  }

  /** The task punctuates at {@code now}. */
  void punctuates(long now) {
    thread.get().working(now);
  }

  /**
   * Whether to ask for a commit: every {@code commitInterval} while caught up, so a run shows soon
   * after it ends, as long as the thread has worked as long as its last commit took since ({@link
   * ThreadCommits}); a task behind its input leaves commits to Streams' longer interval, and
   * catches up sooner for it.
   */
  boolean commitDue(long now) {
    return uncommitted && caughtUp() && now - lastCommit >= commitEveryMs && thread.get().due(now);
  }

  /** How often the task looks at its pace (ms): its commit interval, at most a second. */
  long checkEveryMs() {
    return Math.max(1, Math.min(commitEveryMs, 1000));
  }
}
