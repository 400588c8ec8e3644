package io.jobline.api;

import io.jobline.run.RunRecord;
import io.jobline.store.RunStore;
import io.jobline.topic.ControlProducer;
import io.jobline.wire.Control;
import io.jobline.wire.RunId;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.LinkedHashMap;
import java.util.Map;

/** Run status. */
@Path("/jobs/runs")
@Produces(MediaType.APPLICATION_JSON)
public final class RunsResource {
  private final RunStore runs;
  private final ControlProducer control;
  private final Clock clock;

  public RunsResource(RunStore runs, ControlProducer control, Clock clock) {
    this.runs = runs;
    this.control = control;
    this.clock = clock;
  }

  /** Asks the run to stop: a queued run never starts, a running one is asked to stop. 202. */
  @POST
  @Path("/{run_id}/cancel")
  public Response cancel(@PathParam("run_id") String runId) {
    RunRecord run = find(runId);
    if (run.status() != null && run.status().isTerminal()) {
      throw new ApiException(409, "Run already ended", "run '" + runId + "' already ended "
          + run.status().wire() + "; nothing to cancel", "run_id", null);
    }
    control.sendAndWait(new Control(RunId.of(runId), Control.CANCEL, clock.instant(), "api"));
    return Response.accepted(Map.of("run_id", runId, "status", "cancelling")).build();
  }

  private RunRecord find(String runId) {
    return runs.find(runId).orElseThrow(() -> ApiException.notFound(
        "no run '" + runId + "' (a run just submitted appears within a moment)"));
  }

  /** The run in the seed's JobResult shape, plus tenant, attempt, progress and trigger. */
  @GET
  @Path("/{run_id}")
  public Map<String, Object> show(@PathParam("run_id") String runId) {
    RunRecord run = find(runId);
    Map<String, Object> view = new LinkedHashMap<>(
        io.jobline.wire.Json.mapper().convertValue(run.toJobResult(), Map.class));
    view.put("tenant_id", run.tenantId());
    view.put("attempt", run.attempt());
    view.put("requested_at", run.requestedAt());
    view.put("progress", run.progress());
    view.put("progress_message", run.progressMessage());
    view.put("trigger", run.trigger());
    view.put("params", run.params());
    view.put("logs_truncated", run.logsTruncated());
    view.put("attempts", run.attempts());
    view.put("executor_id", run.executorId());
    view.put("parent_run_id", run.parentRunId());
    return view;
  }
}
