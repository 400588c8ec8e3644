package io.jobline.api;

import io.jobline.cron.CronException;
import io.jobline.schedule.Schedule;
import io.jobline.schedule.ScheduleFiring;
import io.jobline.store.RunStore;
import io.jobline.store.ScheduleStore;
import io.jobline.wire.JobRequest;
import io.jobline.wire.RunEvent;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One scheduling cycle on demand ({@code POST /jobs/check-schedules}): every due schedule is fired
 * by {@link ScheduleFiring}, the scheduler's own rule, against the same run lookup (runs and chain
 * runs). Safe beside a running scheduler: run ids are derived from (schedule, nominal time).
 */
public final class ScheduleCheck {
  private static final Logger LOG = LoggerFactory.getLogger(ScheduleCheck.class);

  /** Where a fire's output goes. */
  public interface Output {
    /** Sends a fire's request (or starts the chain run it stands for). */
    void request(Schedule s, JobRequest request);

    /** Records a missed fire time. */
    void missed(RunEvent event);
  }

  /** A run the check requested. */
  public record Triggered(String runId, String schedule, String jobName, Instant nominalTime) {}

  private final ScheduleStore schedules;
  private final RunStore runs;
  private final Output output;
  private final Clock clock;

  /**
   * @param runs the runs as the scheduler sees them: a fire that started a chain has that chain run
   *     as its last run ({@link io.jobline.store.ChainAwareRuns})
   */
  public ScheduleCheck(ScheduleStore schedules, RunStore runs, Output output, Clock clock) {
    this.schedules = schedules;
    this.runs = runs;
    this.output = output;
    this.clock = clock;
  }

  /** Fires what is due now; returns the runs requested. */
  public List<Triggered> run() {
    Instant now = clock.instant();
    List<Triggered> triggered = new ArrayList<>();
    List<ScheduleStore.Fire> fires = new ArrayList<>();
    try {
      for (Schedule s : schedules.findEnabled()) {
        if (!s.active()) {
          continue;
        }
        ScheduleFiring.Fire fire;
        try {
          if (ScheduleFiring.firedAlready(s, now)) {
            // planned again from its last fire, as the scheduler does as it reads it (found by
            // review: with no scheduler running, it stayed so for good)
            schedules.moveNext(s, ScheduleFiring.nextAfterLastFire(s));
            continue;
          }
          if (ScheduleFiring.dueAt(s).isAfter(now)) {
            continue;
          }
          ScheduleFiring.Previous previous =
              s.lastRunId() == null
                  ? ScheduleFiring.Previous.NONE
                  : ScheduleFiring.Previous.of(s, runs.find(s.lastRunId()), now);
          fire = ScheduleFiring.decide(s, now, previous);
        } catch (CronException | IllegalArgumentException e) {
          // one schedule whose trigger cannot be read fails only itself, as in the scheduler
          // (found by review: it failed every check, and no schedule after it fired)
          LOG.warn("Schedule {} is left out of this check: {}", s.jobName(), e.toString());
          continue;
        }
        if (fire.waiting()) {
          continue;
        }
        for (JobRequest r : fire.requests()) {
          output.request(s, r);
          triggered.add(
              new Triggered(r.runId().value(), s.jobName(), s.target(), r.trigger().nominalTime()));
        }
        fire.missed().forEach(output::missed);
        fires.add(fire.record());
      }
    } finally {
      schedules.recordFires(fires); // (what went out before a failure, recorded all the same)
    }
    return triggered;
  }
}
