package io.jobline.schedule;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import io.jobline.wire.Trigger;
import io.jobline.wire.WireLimits;
import java.time.Instant;

/** The records a schedule's fire produces: a run request, or a missed-run event. */
public final class ScheduleOutput {
  private ScheduleOutput() {}

  /** The request for one planned run; its id is derived from (schedule, nominal time). */
  public static JobRequest request(Schedule s, FiringPlan.Run run, Instant now) {
    Trigger trigger =
        run.coalesced() > 1
            ? Trigger.catchUp(s.jobName(), run.nominal(), run.coalesced())
            : Trigger.schedule(s.jobName(), run.nominal());
    return JobRequest.of(
        RunId.forSchedule(s.jobName(), run.nominal()),
        s.target(),
        s.parameters() == null ? Json.object() : s.parameters(),
        s.tenantId(),
        // (a schedule stored before max_attempts had its bound fires within it, not refused)
        s.maxAttempts() == null ? null : Math.min(s.maxAttempts(), WireLimits.MAX_ATTEMPTS),
        s.timeoutSeconds(),
        trigger,
        now,
        "scheduler");
  }

  /** The record of a fire time that did not run, and why. */
  public static RunEvent missed(Schedule s, Instant nominal, String reason, Instant now) {
    ObjectNode payload =
        Json.object()
            .put("job_name", s.target())
            .put("tenant_id", s.tenantId())
            .put("reason", reason);
    payload.set("trigger", Json.tree(Trigger.schedule(s.jobName(), nominal)));
    return new RunEvent(
        RunId.forSchedule(s.jobName(), nominal),
        1,
        EventType.MISSED,
        now,
        "scheduler",
        1,
        0,
        payload);
  }
}
