package io.jobline.api;

import io.jobline.schedule.FiringPlan;
import io.jobline.schedule.Schedule;
import io.jobline.schedule.ScheduleOutput;
import io.jobline.store.ScheduleStore;
import io.jobline.wire.JobRequest;
import io.jobline.api.auth.Access;
import io.jobline.api.auth.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code POST /jobs/check-schedules}: one scheduling cycle now. */
@Path("/jobs/check-schedules")
@Produces(MediaType.APPLICATION_JSON)
public final class ScheduleCheckResource {
  private final SchedulesResource.Deps d;

  public ScheduleCheckResource(SchedulesResource.Deps deps) {
    this.d = deps;
  }

  /**
   * Runs one scheduling cycle now over every due schedule and returns the runs it triggered.
   * Safe beside a running scheduler: run ids are derived from (schedule, nominal time).
   */
  @POST
  @RolesAllowed(Role.OPERATOR_NAME)
  public Map<String, Object> check(@Context SecurityContext sc) {
    Access.mustBeUnbound(sc, "checking every schedule");
    Instant now = d.clock().instant();
    List<Map<String, Object>> triggered = new ArrayList<>();
    List<ScheduleStore.Fire> fires = new ArrayList<>();
    for (Schedule s : d.schedules().findEnabled()) {
      if (!s.active() || s.nextRunAt().isAfter(now)) {
        continue;
      }
      FiringPlan plan = FiringPlan.plan(s, now, previousRunning(s));
      if (plan.waitForPrevious()) {
        continue;
      }
      String last = s.lastRunId();
      for (FiringPlan.Run run : plan.runs()) {
        JobRequest r = ScheduleOutput.request(s, run, now);
        d.fire(s, r);
        last = r.runId().value();
        triggered.add(Map.of("run_id", last, "schedule", s.jobName(), "job_name", s.target(),
            "nominal_time", run.nominal().toString()));
      }
      plan.missed().forEach(t -> d.events().send(ScheduleOutput.missed(s, t, plan.missedReason(), now)));
      fires.add(new ScheduleStore.Fire(s.jobName(), now, last,
          plan.runs().isEmpty() ? "missed" : "queued", plan.next()));
    }
    d.schedules().recordFires(fires);
    d.changed().run();
    return Map.of("checked_at", now.toString(), "triggered", triggered);
  }

  private boolean previousRunning(Schedule s) {
    if (s.lastRunId() == null) {
      return false;
    }
    return d.runs().find(s.lastRunId()).map(r -> r.status() == null || !r.status().isTerminal()).orElse(false);
  }
}
