package io.jobline.history;

import io.jobline.run.Attempt;
import io.jobline.run.RunStatus;
import io.jobline.wire.RunEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A run's list of attempts as one fold step changes it: each method returns a new list and leaves
 * the one it was given alone (a run record's lists are shared with earlier records).
 */
final class Attempts {
  private Attempts() {}

  /**
   * An execution started: a running attempt is added; on a take-over the attempt it takes over from
   * ends first, naming the executor that took it.
   */
  static List<Attempt> started(List<Attempt> attempts, RunEvent e, boolean takeover) {
    List<Attempt> more = new ArrayList<>(attempts);
    if (takeover && !more.isEmpty()) {
      Attempt last = more.remove(more.size() - 1);
      more.add(last.ended(null, e.timestamp(), "taken over by " + e.executorId(), null));
    }
    more.add(
        new Attempt(
            e.attempt(),
            e.epoch(),
            e.executorId(),
            e.timestamp(),
            null,
            RunStatus.RUNNING,
            null,
            null));
    return more;
  }

  /**
   * An execution ended as {@code to}: its attempt ends, or, for an attempt that ended without
   * starting (cancelled while it waited), an ended attempt is recorded beside the others. {@code
   * retryAt} is when the next attempt is due, when the end said a retry follows.
   */
  static List<Attempt> ended(
      List<Attempt> attempts, RunEvent e, RunStatus to, String error, Instant retryAt) {
    List<Attempt> more = new ArrayList<>(attempts);
    Attempt last = more.isEmpty() ? null : more.get(more.size() - 1);
    if (last != null && last.attempt() == e.attempt()) {
      more.set(more.size() - 1, last.ended(to, e.timestamp(), error, retryAt));
    } else if (e.attempt() > 0 && (last == null || e.attempt() > last.attempt())) {
      more.add(
          new Attempt(
              e.attempt(), e.epoch(), e.executorId(), null, e.timestamp(), to, error, retryAt));
    }
    return more;
  }

  /** An execution whose start never arrived: a running attempt whose start time is unknown. */
  static List<Attempt> startLost(List<Attempt> attempts, RunEvent e) {
    return withRunning(new ArrayList<>(attempts), e);
  }

  /**
   * A take-over whose start never arrived: the execution it took over from ends, naming the
   * executor that took it (when is unknown: at the latest when the take-over's end came), and a
   * running attempt whose start time is unknown follows.
   */
  static List<Attempt> takenOverStartLost(List<Attempt> attempts, RunEvent e) {
    List<Attempt> more = new ArrayList<>(attempts);
    if (!more.isEmpty() && more.get(more.size() - 1).status() == RunStatus.RUNNING) {
      Attempt last = more.remove(more.size() - 1);
      more.add(last.ended(null, e.timestamp(), "taken over by " + e.executorId(), null));
    }
    return withRunning(more, e);
  }

  private static List<Attempt> withRunning(List<Attempt> more, RunEvent e) {
    more.add(
        new Attempt(
            e.attempt(), e.epoch(), e.executorId(), null, null, RunStatus.RUNNING, null, null));
    return more;
  }
}
