package io.jobline.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.cron.CronException;
import io.jobline.cron.CronSchedule;
import io.jobline.run.RunStatus;
import io.jobline.schedule.Schedule;
import io.jobline.schedule.ScheduleTrigger;
import io.jobline.schedule.Triggers;
import io.jobline.wire.Json;
import io.jobline.wire.Secrets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * A schedule as the API shows it: its fields, what its trigger means in words, its next fire times.
 */
final class ScheduleViews {
  static final int NEXT_FIRES = 5;

  private ScheduleViews() {}

  static ObjectNode view(Schedule s, Instant now) {
    return view(s, now, Map.of());
  }

  /**
   * @param runs the current status of runs by id, from which the schedule's {@code last_run_status}
   *     is shown (see {@link #lastRunStatus})
   */
  static ObjectNode view(Schedule s, Instant now, Map<String, RunStatus> runs) {
    ObjectNode view = Json.mapper().valueToTree(s);
    view.remove("version");
    if (view.has("parameters")) {
      view.set("parameters", Secrets.redact(view.get("parameters")));
    }
    RunStatus last = lastRunStatus(s, runs);
    if (last != null) {
      view.put("last_run_status", last.wire());
    }
    // a schedule stored with a trigger the api no longer takes (written to the store by hand, or
    // under older rules) is shown marked, naming the field to fix: one such schedule failed the
    // whole list with a 500 (found by review)
    CronException invalid = invalidTrigger(s);
    if (invalid != null) {
      view.putObject("invalid_trigger")
          .put("field", invalid.field())
          .put("reason", invalid.reason());
    }
    ZoneId zone = shownZone(s);
    view.put("description_of_trigger", describe(s, zone));
    ArrayNode next = view.putArray("next_fire_times");
    // a paused or disabled schedule fires nothing until it is resumed or enabled (resuming counts
    // from then)
    boolean fires = s.active() && !(s.trigger() instanceof ScheduleTrigger.Invalid);
    Instant t = fires ? s.nextRunAt() : null;
    for (int i = 0; i < NEXT_FIRES && t != null; i++) {
      next.add(t.atZone(zone).toOffsetDateTime().toString());
      t = Triggers.nextAfter(s, t).orElse(null);
    }
    return view;
  }

  /**
   * The status of the schedule's last fire as it stands now: {@code missed} when that fire ran
   * nothing, else the status of the run it requested as history (or the chain runs) shows it —
   * queued, running, completed, failed, … — and {@code queued} until history has it. The scheduler
   * records only what a fire did; the run's later course is read when the schedule is shown.
   */
  static RunStatus lastRunStatus(Schedule s, Map<String, RunStatus> runs) {
    if (s.lastRunId() == null || s.lastRunStatus() == RunStatus.MISSED) {
      return s.lastRunStatus();
    }
    RunStatus now = runs.get(s.lastRunId());
    return now != null ? now : s.lastRunStatus();
  }

  /** The run ids whose status the views of these schedules show. */
  static Set<String> lastRunIds(Collection<Schedule> schedules) {
    Set<String> ids = new HashSet<>();
    for (Schedule s : schedules) {
      if (s.lastRunId() != null && s.lastRunStatus() != RunStatus.MISSED) {
        ids.add(s.lastRunId());
      }
    }
    return ids;
  }

  /**
   * Why the schedule's trigger fields would be refused if given now (the field at fault and why),
   * or null when they would be taken.
   */
  static CronException invalidTrigger(Schedule s) {
    try {
      s.trigger().check();
      CronSchedule.zone(s.timezone());
      return null;
    } catch (CronException e) {
      return e;
    }
  }

  /**
   * The schedule's zone, or UTC when it names none the JDK knows (an interval fires without it).
   */
  private static ZoneId shownZone(Schedule s) {
    try {
      return CronSchedule.zone(s.timezone());
    } catch (CronException e) {
      return ZoneOffset.UTC;
    }
  }

  /** The trigger in words, from the trigger the schedule was read with (not parsed again). */
  static String describe(Schedule s, ZoneId zone) {
    ScheduleTrigger t = s.trigger();
    if (t instanceof ScheduleTrigger.Cron c) {
      return c.cron().describe();
    }
    if (t instanceof ScheduleTrigger.Every) {
      return "Every " + s.intervalSeconds() + " s, counted from " + s.runAt();
    }
    if (t instanceof ScheduleTrigger.Once o) {
      return "Once, at " + o.at().atZone(zone).toOffsetDateTime();
    }
    return "Fires nothing until its trigger is fixed: "
        + ((ScheduleTrigger.Invalid) t).error().getMessage();
  }
}
