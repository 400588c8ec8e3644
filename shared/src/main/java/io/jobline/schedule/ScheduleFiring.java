package io.jobline.schedule;

import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.store.ScheduleStore;
import io.jobline.wire.JobRequest;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The one rule for what a due schedule's fire does — which runs it requests, which fire times it
 * records as missed and why, and what it writes back to the schedule. Pure: the scheduler's cycle
 * and {@code POST /jobs/check-schedules} both act on it, so the two cannot drift apart.
 */
public final class ScheduleFiring {
  /**
   * How long a run the scheduler requested may be missing from history and still count as going.
   */
  public static final Duration UNMATERIALIZED_RUN_GRACE = Duration.ofMinutes(5);

  /**
   * How far after now a schedule's last fire may have been recorded and still count as made: one
   * recorded further ahead was made by a clock ahead (a leader whose clock jumped forward), and
   * says nothing of the fire times between now and then, which no fire took (found by review: once
   * the clock was right, a next fire time repaired to the next real one was taken for fired already
   * and moved back to the jumped-to date, and the schedule stayed silent until then). As far ahead
   * as the repair job lets a next fire time be ({@code calculate_next_schedules}).
   */
  public static final Duration CLOCK_AHEAD = Duration.ofMinutes(5);

  private ScheduleFiring() {}

  /** Whether the last fire was recorded by a clock more than {@link #CLOCK_AHEAD} ahead of now. */
  public static boolean lastFireAhead(Schedule s, Instant now) {
    return s.lastRunAt() != null && s.lastRunAt().isAfter(now.plus(CLOCK_AHEAD));
  }

  /** When the schedule is next due: its next fire time plus its stable jitter. */
  public static Instant dueAt(Schedule s) {
    return s.nextRunAt().plus(Triggers.jitter(s, s.nextRunAt()));
  }

  /**
   * Whether the schedule's next fire time was fired already: it falls due (with its jitter) at or
   * before the last fire, and that fire's last run was for it or a later time. A fire never plans
   * one so (the next time it plans falls due after it); a change planned as the schedule fired does
   * (the writer's clock a moment behind, a change saved while the fire went out), and the fire's
   * bookkeeping leaves a changed schedule's next fire time alone. Firing it would repeat that fire
   * under the same run id. Not so when that fire was recorded by a clock ahead ({@link
   * #CLOCK_AHEAD}).
   */
  public static boolean firedAlready(Schedule s, Instant now) {
    return !lastFireAhead(s, now) && firedThrough(s) != null;
  }

  /**
   * The next fire time of a schedule {@link #firedAlready}: the one after the time of its last run,
   * or after its last fire when that time is not known; null when its trigger fires no more.
   */
  public static Instant nextAfterLastFire(Schedule s) {
    Instant through = firedThrough(s);
    return Triggers.nextAfter(s, through == null ? s.lastRunAt() : through).orElse(null);
  }

  /**
   * The fire time the last fire went through, when the next fire time is at or before it; else
   * null. A time due before the last fire was not always fired by it: one held back by a jitter
   * longer than the period is due before that fire too once the jitter is lowered (found by review:
   * such times were taken for fired and planned past, each skipped without a missed record). The
   * schedule keeps the latest fire time each fire acted on ({@link Schedule#lastFireThrough}). A
   * later time may still be the last run's (each fire time has its own id): a fire recorded by an
   * older scheduler leaves the time kept behind. A schedule last fired before the time was kept has
   * only the id to go by; a fire that only recorded misses left an earlier run's, and then the last
   * fire's own time stands in, as it did before either was known.
   */
  private static Instant firedThrough(Schedule s) {
    Instant next = s.nextRunAt();
    Instant last = s.lastRunAt();
    if (next == null || last == null || next.isAfter(last)) {
      return null;
    }
    Instant through = s.lastFireThrough();
    if (through != null && !next.isAfter(through)) {
      // the last fire acted on it, whatever its jitter says now (found by review: a jitter raised
      // while the fire went out made the time due after that fire, and it fired again)
      return through;
    }
    // (a next fire time after the last fire falls due after it: its jitter is never negative, and
    // the jitter is worked out only for the few schedules that need it, at each load)
    if (dueAt(s).isAfter(last)) {
      return null;
    }
    if (through == null && (s.lastRunId() == null || s.lastRunStatus() == RunStatus.MISSED)) {
      return last;
    }
    // a time after it may still be the last run's: a fire recorded by an older scheduler (during
    // an upgrade) leaves it behind (found by review)
    Instant t = next;
    for (int i = 0; i < FiringPlan.LOOK_BACK; i++) {
      if (t == null || t.isAfter(last)) {
        return null; // the last run was for a time before the next one, which no fire took
      }
      if (RunId.forSchedule(s.jobName(), t).value().equals(s.lastRunId())) {
        return t;
      }
      t = Triggers.nextAfter(s, t).orElse(null);
    }
    // (too many times to look through: not fired when the schedule says what was; else the last
    // fire's own time, as before it did)
    return through == null ? last : null;
  }

  /**
   * Whether the schedule's last run has not ended, from what history (or the chain runs, for a fire
   * that started a chain) says of it; a run requested a moment ago may not be in history yet.
   */
  public static boolean previousRunning(Schedule s, Optional<RunRecord> lastRun, Instant now) {
    if (s.lastRunId() == null || s.overlapPolicy() == Overlap.ALLOW) {
      return false;
    }
    if (lastRun.isEmpty()) {
      // (missed: a fire since skipped its time for that run, which history has not shown yet;
      // the last run is still the one requested: found by review, the second fire took it for
      // ended and ran alongside it)
      return s.lastRunAt() != null
          && Duration.between(s.lastRunAt(), now).compareTo(UNMATERIALIZED_RUN_GRACE) < 0
          && (s.lastRunStatus() == RunStatus.QUEUED || s.lastRunStatus() == RunStatus.MISSED);
    }
    RunStatus status = lastRun.get().status();
    // an attempt that failed with a retry to come reads failed for a moment: the run goes on
    return status == null || !status.isTerminal() || lastRun.get().retryDueAt().isPresent();
  }

  /**
   * What one fire does: the plan, the requests, the missed records, and the schedule afterwards.
   */
  public record Fire(
      Schedule schedule,
      Instant at,
      FiringPlan plan,
      List<JobRequest> requests,
      List<RunEvent> missed) {
    /** Whether the fire waits for the previous run to end (overlap: queue) and does nothing now. */
    public boolean waiting() {
      return plan.waitForPrevious();
    }

    /**
     * The id of the last run this fire requested, or the schedule's last one if it requested none.
     */
    public String lastRunId() {
      return requests.isEmpty()
          ? schedule.lastRunId()
          : requests.get(requests.size() - 1).runId().value();
    }

    /**
     * {@code queued} when it requested a run, {@code missed} when it only missed, else unchanged.
     */
    public RunStatus lastRunStatus() {
      if (!requests.isEmpty()) {
        return RunStatus.QUEUED;
      }
      return missed.isEmpty() ? schedule.lastRunStatus() : RunStatus.MISSED;
    }

    /**
     * The latest fire time this fire acted on (ran, or recorded missed); the schedule's last one if
     * it acted on none.
     */
    public Instant through() {
      Instant through = null;
      for (FiringPlan.Run run : plan.runs()) {
        through = later(through, run.nominal());
      }
      for (Instant t : plan.missed()) {
        through = later(through, t);
      }
      return through == null ? schedule.lastFireThrough() : through;
    }

    private static Instant later(Instant a, Instant b) {
      return a == null || b.isAfter(a) ? b : a;
    }

    /** The schedule as it stands after the fire. */
    public Schedule updated() {
      return schedule.fired(at, lastRunId(), lastRunStatus(), through(), plan.next());
    }

    /** What the fire writes back to the store. */
    public ScheduleStore.Fire record() {
      return new ScheduleStore.Fire(
          schedule.jobName(),
          at,
          lastRunId(),
          lastRunStatus(),
          plan.next(),
          schedule.nextRunAt(),
          schedule.version(),
          through());
    }
  }

  /**
   * A schedule's previous run as its fire sees it: whether it is still going ({@link
   * #previousRunning}), and when it ended, if it did and history says.
   */
  public record Previous(boolean running, Instant ended) {
    /** No previous run going, and no end known. */
    public static final Previous NONE = new Previous(false, null);

    /** As {@link ScheduleFiring#previousRunning}, with the run's end. */
    public static Previous of(Schedule s, Optional<RunRecord> lastRun, Instant now) {
      boolean running = previousRunning(s, lastRun, now);
      return new Previous(
          running, running ? null : lastRun.map(RunRecord::completedAt).orElse(null));
    }
  }

  /** Decides the fire of {@code s} at {@code at} (its due time, or now if that passed). */
  public static Fire decide(Schedule s, Instant at, boolean previousRunning) {
    return decide(s, at, new Previous(previousRunning, null), null);
  }

  /** Decides the fire of {@code s} at {@code at}, knowing how its previous run stands. */
  public static Fire decide(Schedule s, Instant at, Previous previous) {
    return decide(s, at, previous, null);
  }

  /**
   * Decides a fire that was tried before and could not happen ({@code earlierFailure} says why,
   * e.g. Kafka did not take the request): whatever it records as missed names that reason too.
   */
  public static Fire decide(Schedule s, Instant at, Previous previous, String earlierFailure) {
    boolean previousRunning = previous.running();
    FiringPlan plan = FiringPlan.plan(s, at, previousRunning, previous.ended());
    if (plan.waitForPrevious()) {
      return new Fire(s, at, plan, List.of(), List.of());
    }
    List<JobRequest> requests = new ArrayList<>(plan.runs().size());
    for (FiringPlan.Run run : plan.runs()) {
      requests.add(ScheduleOutput.request(s, run, at));
    }
    List<RunEvent> missed = new ArrayList<>(plan.missed().size());
    for (Instant t : plan.missed()) {
      String reason =
          earlierFailure == null || previousRunning
              ? plan.missedReason()
              : plan.missedReason() + "; the fire could not happen in time: " + earlierFailure;
      missed.add(ScheduleOutput.missed(s, t, reason, at));
    }
    return new Fire(s, at, plan, requests, missed);
  }
}
