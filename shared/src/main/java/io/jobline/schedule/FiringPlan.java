package io.jobline.schedule;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What to do with a schedule whose fire time has come: which nominal times to run (a catch-up run
 * says how many it stands for), which to record as missed and why, and the next fire time. Pure:
 * the scheduler and {@code POST /jobs/check-schedules} both act on it.
 */
public record FiringPlan(
    List<Run> runs,
    List<Instant> missed,
    String missedReason,
    Instant next,
    boolean waitForPrevious) {

  /** One run to emit for a nominal fire time, standing for {@code coalesced} fire times. */
  public record Run(Instant nominal, int coalesced) {}

  /**
   * Most fire times one plan lists, the latest: a schedule that missed more counts the earlier ones
   * in its missed records' reason.
   */
  public static final int LOOK_BACK = 1000;

  public static FiringPlan waiting() {
    return new FiringPlan(List.of(), List.of(), null, null, true);
  }

  /**
   * Plans the fire times of {@code s} due by {@code now}.
   *
   * @param previousRunning whether the schedule's last run has not ended yet
   */
  public static FiringPlan plan(Schedule s, Instant now, boolean previousRunning) {
    return plan(s, now, previousRunning, null);
  }

  /**
   * As {@link #plan(Schedule, Instant, boolean)}; {@code previousEnded}, when the previous run has
   * ended, is when it did. Under {@code overlap: queue} the latest fire time that came due before
   * then waited in the queue, not behind an outage: it is late only by the time since that end.
   * (Found by review: judged by its own time, the queued fire of a run that went on for more than
   * the grace was recorded missed under {@code misfire_policy: skip}, and never ran.) The fire
   * times before it missed the queue of one all the same, and the misfire policy decides them.
   */
  public static FiringPlan plan(
      Schedule s, Instant now, boolean previousRunning, Instant previousEnded) {
    if (previousRunning
        && s.overlapPolicy() == Overlap.QUEUE
        && s.nextRunAt() != null
        && !dueAt(s, s.nextRunAt()).isAfter(now)) {
      // waiting, decided before stepping through its backlog: a queue waiting on a long run is
      // asked every second, and each step of up to 20,000 times took the loop's CPU (review)
      return waiting();
    }
    Triggers.Due span = Triggers.lastBetween(s, s.nextRunAt(), now, LOOK_BACK);
    List<Instant> due = span.last();
    // (fire times before the last LOOK_BACK: counted in the reason of those missed, not listed)
    long earlier = span.earlier();
    String about = span.estimated() ? "about " : "";
    Instant next = Triggers.nextAfter(s, now).orElse(null);
    // a fire time is due at it plus its jitter: from the first whose jittered time is still to
    // come, the times wait (a jitter longer than the period must not fold them into this fire)
    for (int i = 0; i < due.size(); i++) {
      if (dueAt(s, due.get(i)).isAfter(now)) {
        next = due.get(i);
        due = due.subList(0, i);
        break;
      }
    }
    if (due.isEmpty()) {
      return new FiringPlan(List.of(), List.of(), null, s.nextRunAt(), false);
    }
    if (previousRunning) {
      switch (s.overlapPolicy()) {
        case SKIP -> {
          return new FiringPlan(
              List.of(),
              due,
              "the previous run was still running (overlap: skip)" + andEarlier(about, earlier),
              next,
              false);
        }
        case QUEUE -> {
          return waiting();
        }
        case ALLOW -> {}
      }
    }
    Duration grace = Duration.ofSeconds(s.graceSeconds());
    List<Instant> onTime = new ArrayList<>();
    List<Instant> late = new ArrayList<>();
    Instant held = Instant.MIN;
    Instant queuedTill =
        s.overlapPolicy() == Overlap.QUEUE && previousEnded != null ? previousEnded : null;
    for (int i = 0; i < due.size(); i++) {
      Instant t = due.get(i);
      // late by the jittered time (a jitter longer than the grace is not a misfire), or by that of
      // a time before it, which it waited behind: a jitter longer than the period put a later time
      // due first, and the scheduler itself held it back (found by review)
      Instant at = dueAt(s, t);
      if (queuedTill != null && i == due.size() - 1 && queuedTill.isAfter(at)) {
        at = queuedTill;
      }
      held = at.isAfter(held) ? at : held;
      (Duration.between(held, now).compareTo(grace) <= 0 ? onTime : late).add(t);
    }
    List<Run> runs = new ArrayList<>();
    List<Instant> missed = new ArrayList<>();
    String reason = null;
    if (late.isEmpty()) {
      onTime.forEach(t -> runs.add(new Run(t, 1)));
    } else {
      switch (s.misfire()) {
        case RUN_ONCE ->
            runs.add(
                new Run(
                    due.get(due.size() - 1),
                    (int) Math.min(Integer.MAX_VALUE, due.size() + earlier)));
        case RUN_ALL -> {
          // the latest run, the ones on time always: the cap took the oldest before, so the fire
          // that was on time was recorded missed, and after a long outage the ones that ran were
          // neither the oldest nor the latest (found by review)
          int cap = s.maxCatchUpRuns();
          int firstRun = Math.max(0, due.size() - cap);
          for (int i = 0; i < due.size(); i++) {
            if (i >= firstRun || onTime.contains(due.get(i))) {
              runs.add(new Run(due.get(i), 1));
            } else {
              missed.add(due.get(i));
            }
          }
          reason =
              "beyond the catch-up cap of "
                  + cap
                  + " runs, which the latest fire times took (misfire_policy: run_all)"
                  + andEarlier(about, earlier);
        }
        case SKIP -> {
          missed.addAll(late);
          onTime.forEach(t -> runs.add(new Run(t, 1)));
          reason =
              "missed by more than "
                  + s.graceSeconds()
                  + " s (misfire_policy: skip)"
                  + andEarlier(about, earlier);
        }
      }
    }
    // the fire times before those listed are named by a missed record's reason, or stood for by
    // the one run of run_once; else the first of them is recorded missed under skip when it is
    // late, and the first run stands for them otherwise (found by review: when every time listed
    // was on time, or run_all's cap took them all, they went without a trace)
    boolean earlierCounted =
        !missed.isEmpty() || (!late.isEmpty() && s.misfire() == MisfirePolicy.RUN_ONCE);
    if (earlier > 0 && !earlierCounted && !runs.isEmpty()) {
      Instant oldest = s.nextRunAt();
      if (s.misfire() == MisfirePolicy.SKIP
          && oldest != null
          && Duration.between(dueAt(s, oldest), now).compareTo(grace) > 0) {
        missed.add(0, oldest); // (in order: the first of the times)
        reason =
            "missed by more than "
                + s.graceSeconds()
                + " s (misfire_policy: skip)"
                + andEarlier(about, earlier - 1);
      } else {
        Run first = runs.get(0);
        runs.set(
            0,
            new Run(
                first.nominal(), (int) Math.min(Integer.MAX_VALUE, first.coalesced() + earlier)));
      }
    }
    return new FiringPlan(runs, missed, reason, next, false);
  }

  /** What a missed record adds for the fire times before those a plan lists. */
  private static String andEarlier(String about, long earlier) {
    return earlier == 0
        ? ""
        : "; with "
            + about
            + earlier
            + " earlier fire times missed too, not recorded one by one (at most "
            + LOOK_BACK
            + " are)";
  }

  /** When the fire time {@code t} is due: it plus its stable jitter. */
  private static Instant dueAt(Schedule s, Instant t) {
    return t.plus(Triggers.jitter(s, t));
  }
}
