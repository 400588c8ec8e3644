package io.jobline.builtins;

import com.mongodb.client.MongoDatabase;
import io.jobline.cron.CronException;
import io.jobline.job.Job;
import io.jobline.job.JobContext;
import io.jobline.job.JobResources;
import io.jobline.schedule.Schedule;
import io.jobline.schedule.ScheduleTrigger;
import io.jobline.schedule.Triggers;
import io.jobline.store.MongoScheduleStore;
import io.jobline.store.ScheduleStore;
import io.jobline.wire.Scope;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** Built-in: repairs schedules whose next fire time is missing or no longer fits their trigger. */
public class ScheduleRepair {
  private final JobResources resources;

  public ScheduleRepair(JobResources resources) {
    this.resources = resources;
  }

  /**
   * Recomputes {@code next_run_at} of every enabled schedule where it is missing, is not a fire
   * time of the schedule's trigger (e.g. after a direct database edit), or lies beyond the
   * trigger's next fire time after now (planned by a scheduler whose clock ran ahead). Fire times
   * still due are kept, so a pending catch-up is not lost. Recommended: {@code 15 * * * *}.
   */
  @Job(
      name = "calculate_next_schedules",
      description = "Recompute next_run_at of every enabled schedule",
      timeoutSeconds = 120,
      retries = 1,
      scope = Scope.SYSTEM)
  public Map<String, Object> calculateNextSchedules(JobContext ctx) {
    return repair(
        new MongoScheduleStore(resources.resource(MongoDatabase.class)),
        resources.clock().instant(),
        ctx);
  }

  static Map<String, Object> repair(ScheduleStore store, Instant now, JobContext ctx) {
    List<Schedule> schedules = store.findEnabled();
    int checked = 0;
    int fixed = 0;
    int invalid = 0;
    for (Schedule s : schedules) {
      if (ctx.shouldStop()) {
        ctx.warning("Stopped after " + checked + " of " + schedules.size() + " schedules");
        break;
      }
      checked++;
      try {
        Triggers.validate(s);
      } catch (CronException | IllegalArgumentException e) {
        invalid++;
        ctx.warning("Schedule " + s.jobName() + " has an invalid trigger: " + e.getMessage());
        continue;
      }
      Optional<Instant> expected =
          s.nextRunAt() == null
              ? Triggers.nextAfter(s, now)
              : Triggers.nextAfter(s, s.nextRunAt().minusMillis(1));
      boolean fits =
          s.nextRunAt() != null
              && (unanchored(s)
                  // (an interval without run_at has no grid of fire times to fit: any next fire
                  // time fits that is no more than one interval ahead, give or take the clocks'
                  // skew; overdue ones are kept)
                  ? !s.nextRunAt().isAfter(Triggers.nextAfter(s, now).orElseThrow().plus(skew(s)))
                  : expected.isPresent()
                      && expected.get().equals(s.nextRunAt())
                      && !beyondNext(s, now));
      if (!fits) {
        Instant next = Triggers.nextAfter(s, now).orElse(null);
        if (!Objects.equals(next, s.nextRunAt())) {
          // only from the schedule as read: a fire or a change since then has set a time of its
          // own, and a change back to the time read has another definition than the one planned
          if (store.moveNext(s, next)) {
            fixed++;
            ctx.log("Schedule " + s.jobName() + ": next_run_at " + s.nextRunAt() + " -> " + next);
          } else {
            ctx.log("Schedule " + s.jobName() + " changed while it was checked; left as it is");
          }
        }
      }
      if (checked % 1000 == 0) {
        ctx.progress(
            "Checked " + checked + " of " + schedules.size(), checked * 100 / schedules.size());
      }
    }
    ctx.progress("Checked " + checked + " schedules", 100);
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("checked", checked);
    result.put("fixed", fixed);
    result.put("invalid", invalid);
    return result;
  }

  /**
   * How far ahead of this job's clock an interval schedule without {@code run_at} may be and still
   * fit: the scheduler counts its next fire from its own clock, and one ahead of this one by more
   * than the interval had the repair pull the time back to before the fire just made, which fired
   * again under a new run id (found by review). The interval, and at least {@link #CLOCK_SKEW}.
   */
  private static Duration skew(Schedule s) {
    Duration interval = ((ScheduleTrigger.Every) s.trigger()).interval();
    return interval.compareTo(CLOCK_SKEW) > 0 ? interval : CLOCK_SKEW;
  }

  /**
   * Whether the schedule's next fire time lies beyond the trigger's next one after now, give or
   * take the clocks' skew: a time on the grid all the same, that a scheduler whose clock ran ahead
   * (to 2027, say) planned, and after the clock was put right the schedule stayed silent till then
   * (found by review). A one-off trigger has one time only, never beyond.
   */
  private static boolean beyondNext(Schedule s, Instant now) {
    return Triggers.nextAfter(s, now.plus(CLOCK_SKEW))
        .map(next -> s.nextRunAt().isAfter(next))
        .orElse(false);
  }

  /** How far the clocks of the scheduler's and the repair's hosts may be apart. */
  static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

  /** An interval trigger counted from whenever it is asked about (no {@code run_at}). */
  private static boolean unanchored(Schedule s) {
    return s.trigger() instanceof ScheduleTrigger.Every every && every.anchor() == null;
  }
}
