package io.jobline.api;

import io.jobline.api.auth.Access;
import io.jobline.api.auth.Role;
import io.jobline.chain.ChainRun;
import io.jobline.chain.ChainStatus;
import io.jobline.store.ChainRunStore;
import io.jobline.wire.Json;
import io.jobline.wire.Secrets;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Chain runs: their steps, each linked to its run, and cancelling one. */
@Path("/jobs/chain-runs")
@Produces(MediaType.APPLICATION_JSON)
public final class ChainRunsResource {
  private final ChainRunStore chainRuns;
  private final Runnable changed;

  /** {@code changed} wakes an orchestrator in this process after a cancel. */
  private final Auditor auditor;

  public ChainRunsResource(ChainRunStore chainRuns, Runnable changed, Auditor auditor) {
    this.auditor = auditor;
    this.chainRuns = chainRuns;
    this.changed = changed;
  }

  /** Chain runs, newest first, filtered by chain, tenant and status. */
  @GET
  @RolesAllowed(Role.VIEWER_NAME)
  public Map<String, Object> list(
      @Context SecurityContext sc,
      @QueryParam("chain") String chain,
      @QueryParam("tenant") String asked,
      @QueryParam("status") String status,
      @QueryParam("limit") Integer limit) {
    int size = RunsResource.pageSize(limit, 50);
    String tenant = Access.tenantFilter(sc, asked);
    ChainStatus st = null;
    if (status != null) {
      try {
        st = ChainStatus.fromWire(status);
      } catch (IllegalArgumentException e) {
        throw ApiException.badRequest(
            "status",
            "unknown status '"
                + status
                + "'; one of "
                + Arrays.stream(ChainStatus.values()).map(ChainStatus::wire).toList());
      }
    }
    List<ChainRun> page =
        asked != null && !asked.equals(tenant)
            ? List.of()
            : chainRuns.list(new ChainRunStore.Query(chain, tenant, st, size));
    return Map.of("chain_runs", page.stream().map(ChainRunsResource::view).toList());
  }

  @GET
  @Path("/{id}")
  @RolesAllowed(Role.VIEWER_NAME)
  public Map<String, Object> show(@PathParam("id") String id, @Context SecurityContext sc) {
    return view(find(id, sc));
  }

  /** Cancels the running steps and skips the rest; 202, 409 if the chain run already ended. */
  @POST
  @Path("/{id}/cancel")
  @RolesAllowed(Role.OPERATOR_NAME)
  public Response cancel(@PathParam("id") String id, @Context SecurityContext sc) {
    ChainRun run = find(id, sc);
    if (run.status().isTerminal()) {
      throw new ApiException(
          409,
          "Chain run already ended",
          "chain run '" + id + "' already ended " + run.status().wire() + "; nothing to cancel",
          "id",
          null);
    }
    chainRuns.requestCancel(id);
    changed.run();
    auditor.record(sc, "cancel", "chain_run", id, run.tenantId(), null);
    return Response.accepted(Map.of("chain_run_id", id, "status", "cancelling")).build();
  }

  private ChainRun find(String id, SecurityContext sc) {
    ChainRun run = chainRuns.find(id).orElseThrow(() -> notFound(id));
    Access.mustSee(sc, run.tenantId(), () -> notFound(id));
    return run;
  }

  private static ApiException notFound(String id) {
    return ApiException.notFound("no chain run '" + id + "'");
  }

  /** The chain run with each step's run linked ({@code run_url}). */
  @SuppressWarnings("unchecked")
  static Map<String, Object> view(ChainRun run) {
    Map<String, Object> m =
        new LinkedHashMap<>(Json.mapper().convertValue(Secrets.redact(Json.tree(run)), Map.class));
    List<Map<String, Object>> steps = new ArrayList<>();
    for (Object o : (List<Object>) m.getOrDefault("steps", List.of())) {
      Map<String, Object> step = new LinkedHashMap<>((Map<String, Object>) o);
      step.remove("cancel_sent");
      if (step.get("run_id") != null) {
        step.put("run_url", "/jobs/runs/" + step.get("run_id"));
      }
      steps.add(step);
    }
    m.put("steps", steps);
    m.put("url", "/jobs/chain-runs/" + run.chainRunId());
    return m;
  }
}
