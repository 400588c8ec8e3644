package io.jobline.api;

import com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.jobline.api.auth.Access;
import io.jobline.api.auth.Role;
import io.jobline.schedule.Schedule;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** {@code POST /jobs/check-schedules}: one scheduling cycle now. */
@Path("/jobs/check-schedules")
@Produces(MediaType.APPLICATION_JSON)
public final class ScheduleCheckResource {
  private final SchedulesResource.Deps d;

  public ScheduleCheckResource(SchedulesResource.Deps deps) {
    this.d = deps;
  }

  /** When the cycle ran, and the runs it triggered. */
  @JsonNaming(SnakeCaseStrategy.class)
  record Checked(String checkedAt, List<TriggeredRun> triggered) {}

  /** A run the cycle triggered: of which schedule and job, for which nominal fire time. */
  @JsonNaming(SnakeCaseStrategy.class)
  record TriggeredRun(String runId, String schedule, String jobName, String nominalTime) {}

  /**
   * Runs one scheduling cycle now over every due schedule, by the scheduler's own rule, and returns
   * the runs it triggered.
   */
  @POST
  @RolesAllowed(Role.OPERATOR_NAME)
  public Checked check(@Context SecurityContext sc) {
    Access.mustBeUnbound(sc, "checking every schedule");
    Instant now = d.clock().instant();
    List<TriggeredRun> triggered = new ArrayList<>();
    ScheduleCheck.Output output =
        new ScheduleCheck.Output() {
          @Override
          public void request(Schedule s, JobRequest request) {
            d.fire(s, request);
          }

          @Override
          public void missed(RunEvent event) {
            d.events().sendAndWait(event);
          }
        };
    for (ScheduleCheck.Triggered t :
        new ScheduleCheck(d.schedules(), d.runs(), output, d.clock()).run()) {
      triggered.add(
          new TriggeredRun(t.runId(), t.schedule(), t.jobName(), t.nominalTime().toString()));
    }
    d.changed().run();
    d.auditor()
        .record(
            sc, "check", "schedule", "*", null, Json.object().put("triggered", triggered.size()));
    return new Checked(now.toString(), triggered);
  }
}
