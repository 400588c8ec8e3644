package io.jobline.history;

/**
 * How a history task keeps up with its input, from the wall-clock times it read its records and
 * committed: whether it is caught up (it read its last record at most {@value #CAUGHT_UP_MS} ms
 * after that record's time), idle (caught up, and nothing read for {@value #IDLE_MS} ms since), and
 * due to ask for a commit (caught up, something read, {@code commitInterval} since the last one).
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

  /**
   * @param commitEveryMs how often to commit while caught up
   */
  TaskPace(long commitEveryMs) {
    this.commitEveryMs = commitEveryMs;
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
    lastInput = now;
    lastLag = now - recordTime;
    uncommitted = true;
  }

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

  /**
   * Whether to ask for a commit: every {@code commitInterval} while caught up, so a run shows soon
   * after it ends; a task behind its input leaves commits to Streams' longer interval, and catches
   * up sooner for it.
   */
  boolean commitDue(long now) {
    return uncommitted && caughtUp() && now - lastCommit >= commitEveryMs;
  }

  /** How often the task looks at its pace (ms): its commit interval, at most a second. */
  long checkEveryMs() {
    return Math.max(1, Math.min(commitEveryMs, 1000));
  }
}
