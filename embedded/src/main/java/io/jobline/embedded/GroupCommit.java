package io.jobline.embedded;

import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Makes the data-folder store's writes durable before they are answered, with one H2 file write (a
 * commit) for all the writes that wait at the same time, and at most one commit per {@link
 * #PACE_NANOS pace}.
 *
 * <p>Each H2 commit writes a chunk (about 17 KB for one small update), and H2 keeps every chunk it
 * wrote for 45 s before it reuses the space. One client updating a document after another, with a
 * commit each, ran at 1,400–2,000 updates/s and grew the file to 1.5 GB in 80 s; with commits at
 * most every millisecond it ran at 530–770 updates/s and the file stayed at 600 MB. Writes that
 * arrive together share a commit whatever the pace. The store answers commands on a few event-loop
 * threads (mongo-java-server's, four on this box), each waiting here for its write, so a commit is
 * shared by at most that many writes, and a leader's wait of up to a pace holds up the other
 * connections of its loop that long.
 *
 * <p>A writer calls {@link #await} once its change is in H2's maps. It waits until a commit that
 * started after that call has ended. The first waiter with no commit under way leads: it waits out
 * the rest of the pace since the last commit began, then commits everything changed until then, and
 * wakes those it covered. If the commit fails, the waiters it covered are not answered as durable:
 * each takes its turn to lead and fails the same way (the store is closed by then).
 */
final class GroupCommit {
  /** The shortest time between the starts of two commits, in nanoseconds. */
  static final long PACE_NANOS = 1_000_000;

  private final Runnable commit;
  private final long pace;
  private final LongSupplier nanoTime;
  private final Sleeper sleeper;

  /** Writers that asked to be durable, counted; the last counted is the newest. */
  private long requested;

  /** Every writer counted up to this one is durable. */
  private long durable;

  private boolean leading;
  private long lastStart;
  private boolean committedBefore;
  private long commits;

  /** Waits a number of nanoseconds (a test passes one that moves its clock). */
  @FunctionalInterface
  interface Sleeper {
    void sleep(long nanos);
  }

  GroupCommit(Runnable commit) {
    this(commit, PACE_NANOS, System::nanoTime, LockSupport::parkNanos);
  }

  GroupCommit(Runnable commit, long paceNanos, LongSupplier nanoTime, Sleeper sleeper) {
    this.commit = commit;
    this.pace = paceNanos;
    this.nanoTime = nanoTime;
    this.sleeper = sleeper;
  }

  /** Returns once what this thread changed before the call is in the file. */
  void await() {
    long ticket;
    synchronized (this) {
      ticket = ++requested;
      while (durable < ticket) {
        if (!leading) {
          leading = true;
          break;
        }
        waitForTheLeader();
      }
      if (durable >= ticket) {
        return;
      }
    }
    lead();
  }

  /**
   * Waits for the leader to wake this writer. Interrupted (the store is stopping), the write is
   * answered with an error: it may or may not be in the file, as after a crash. (A leader checks
   * the same before and after its commit.)
   */
  private void waitForTheLeader() {
    try {
      wait();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted before the write was in the store's file", e);
    }
  }

  /** Commits, after the rest of the pace, what every writer counted by then changed. */
  private void lead() {
    try {
      long rest;
      synchronized (this) {
        rest = committedBefore ? lastStart + pace - nanoTime.getAsLong() : 0;
      }
      if (rest > 0) {
        sleeper.sleep(rest);
      }
      notInterrupted();
      long upTo;
      synchronized (this) {
        upTo = requested;
        lastStart = nanoTime.getAsLong();
        committedBefore = true;
      }
      commit.run();
      // H2 stops waiting for its writer threads when interrupted, and says nothing
      notInterrupted();
      synchronized (this) {
        durable = Math.max(durable, upTo);
        commits++;
      }
    } finally {
      synchronized (this) {
        leading = false;
        notifyAll();
      }
    }
  }

  /**
   * Fails the write of a thread interrupted (the store is stopping): it may or may not be in the
   * file, as after a crash, and is not answered as durable.
   */
  private static void notInterrupted() {
    if (Thread.currentThread().isInterrupted()) {
      throw new IllegalStateException("interrupted before the write was in the store's file");
    }
  }

  /** Commits made so far (for tests). */
  synchronized long commits() {
    return commits;
  }
}
