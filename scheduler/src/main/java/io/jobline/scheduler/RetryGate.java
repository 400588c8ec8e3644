package io.jobline.scheduler;

import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;

/**
 * Whether a retry timer's attempt may be sent: only once history shows the attempt before it ended
 * saying a retry follows. An executor stores the timer before the transaction of that end commits;
 * killed in between, its end is never read, the attempt runs again at the partition's next owner,
 * and a timer sent meanwhile ran the next attempt beside it, or after it completed (found by
 * review).
 */
final class RetryGate {
  private RetryGate() {}

  /** What to do with a due retry timer. */
  enum Verdict {
    /** Send its request: the attempt before ended saying so. */
    SEND,
    /** Look again shortly: history does not show the attempt before ended yet. */
    WAIT,
    /** Take it away unsent: the attempt before ended saying no retry follows. */
    DROP,
    /**
     * Take it away unsent: history shows its attempt already, so its request went out (the timer
     * outlived its send: its deletion failed, or the leader lost its lease before it).
     */
    SENT
  }

  /** The verdict on the timer of attempt {@code next} of {@code run} (null: not in history yet). */
  static Verdict of(RunRecord run, int next) {
    int before = next - 1;
    if (run == null || run.status() == null || run.attempt() < before) {
      return Verdict.WAIT;
    }
    if (run.attempt() > before) {
      // its request went out already: sent again, the attempt ran twice once the executor that ran
      // it no longer remembered it (restarted, the partition moved, or 50,000 ends later), as a
      // chain step's retry did (found by review)
      return Verdict.SENT;
    }
    RunStatus status = run.status();
    if (status == RunStatus.RETRYING
        || ((status == RunStatus.FAILED || status == RunStatus.TIMED_OUT)
            && RunRecord.lastRetryAt(before, run.attempts()).isPresent())) {
      return Verdict.SEND;
    }
    return status.isTerminal() ? Verdict.DROP : Verdict.WAIT;
  }
}
