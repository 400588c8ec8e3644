package io.jobline.history;

import io.jobline.run.Attempt;
import io.jobline.run.RunStatus;
import io.jobline.wire.RunEvent;
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
      more.add(last.ended(null, e.timestamp(), "taken over by " + e.executorId()));
    }
    more.add(
        new Attempt(
            e.attempt(), e.epoch(), e.executorId(), e.timestamp(), null, RunStatus.RUNNING, null));
    return more;
  }

  /**
   * An execution ended as {@code to}: its attempt ends, or, for an attempt that ended without
   * starting (cancelled while it waited), an ended attempt is recorded beside the others.
   */
  static List<Attempt> ended(List<Attempt> attempts, RunEvent e, RunStatus to, String error) {
    List<Attempt> more = new ArrayList<>(attempts);
    Attempt last = more.isEmpty() ? null : more.get(more.size() - 1);
    if (last != null && last.attempt() == e.attempt()) {
      more.set(more.size() - 1, last.ended(to, e.timestamp(), error));
    } else if (e.attempt() > 0 && (last == null || e.attempt() > last.attempt())) {
      more.add(new Attempt(e.attempt(), e.epoch(), e.executorId(), null, e.timestamp(), to, error));
    }
    return more;
  }

  /** An execution whose start never arrived: a running attempt whose start time is unknown. */
  static List<Attempt> startLost(List<Attempt> attempts, RunEvent e) {
    List<Attempt> more = new ArrayList<>(attempts);
    more.add(
        new Attempt(e.attempt(), e.epoch(), e.executorId(), null, null, RunStatus.RUNNING, null));
    return more;
  }
}
