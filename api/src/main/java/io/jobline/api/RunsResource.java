package io.jobline.api;

import io.jobline.run.RunRecord;
import io.jobline.store.RunStore;
import jakarta.ws.rs.GET;
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

  public RunsResource(RunStore runs) {
    this.runs = runs;
  }

  /** The run in the seed's JobResult shape, plus tenant, attempt, progress and trigger. */
  @GET
  @Path("/{run_id}")
  public Map<String, Object> show(@PathParam("run_id") String runId) {
    RunRecord run = runs.find(runId).orElseThrow(() -> ApiException.notFound(
        "no run '" + runId + "' (a run just submitted appears within a moment)"));
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
    return view;
  }
}
