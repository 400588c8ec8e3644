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
    /** Send its request: the attempt before ended saying so (or history is past it already). */
    SEND,
    /** Look again shortly: history does not show the attempt before ended yet. */
    WAIT,
    /** Take it away unsent: the attempt before ended saying no retry follows. */
    DROP
  }

  /** The verdict on the timer of attempt {@code next} of {@code run} (null: not in history yet). */
  static Verdict of(RunRecord run, int next) {
    int before = next - 1;
    if (run == null || run.status() == null || run.attempt() < before) {
      return Verdict.WAIT;
    }
    if (run.attempt() > before) {
      // its request went out already (the timer outlived a crash before its deletion): sent again,
      // it is the same run attempt, which an executor runs once
      return Verdict.SEND;
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
