package io.jobline.scheduler;

import io.jobline.cron.CronSchedule;
import io.jobline.schedule.Schedule;
import io.jobline.store.ScheduleStore;
import io.jobline.wire.Json;
import io.jobline.wire.JobRequest;
import io.jobline.wire.RunId;
import io.jobline.wire.Trigger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One scheduling cycle at a given instant: every enabled schedule whose {@code next_run_at} has
 * come is fired once (missed fire times are coalesced into that one run) and moved to its next
 * fire time after now. Pure over the store and the sink, so it is tested with a settable clock.
 */
public final class ScheduleFiring {
  private static final Logger LOG = LoggerFactory.getLogger(ScheduleFiring.class);
  private final ScheduleStore store;
  private final RequestSink sink;

  public ScheduleFiring(ScheduleStore store, RequestSink sink) {
    this.store = store;
    this.sink = sink;
  }

  /** Fires what is due at {@code now}; returns the requests sent. */
  public List<JobRequest> fireDue(List<Schedule> schedules, Instant now) {
    List<JobRequest> fired = new ArrayList<>();
    for (Schedule schedule : schedules) {
      if (!schedule.enabled()) {
        continue;
      }
      CronSchedule cron;
      try {
        cron = CronSchedule.parse(schedule.cronExpression(), schedule.timezone());
      } catch (IllegalArgumentException e) {
        LOG.warn("Schedule {} is skipped: {}", schedule.jobName(), e.getMessage());
        continue;
      }
      Instant due = schedule.nextRunAt();
      if (due == null) {
        store.save(schedule.withNextRunAt(cron.nextAfter(now).orElse(null)));
        continue;
      }
      if (due.isAfter(now)) {
        continue;
      }
      JobRequest request = JobRequest.of(RunId.forSchedule(schedule.jobName(), due),
          schedule.target(), schedule.parameters() == null ? Json.object() : schedule.parameters(),
          schedule.tenantId(), schedule.maxAttempts(), schedule.timeoutSeconds(),
          Trigger.schedule(schedule.jobName(), due), now, "scheduler");
      sink.send(request);
      store.save(schedule.fired(now, cron.nextAfter(now).orElse(null)));
      fired.add(request);
    }
    return fired;
  }

  /** The earliest next fire time among the schedules, if any. */
  public static Optional<Instant> earliest(List<Schedule> schedules) {
    return schedules.stream().filter(Schedule::enabled).map(Schedule::nextRunAt)
        .filter(java.util.Objects::nonNull).min(Instant::compareTo);
  }
}
