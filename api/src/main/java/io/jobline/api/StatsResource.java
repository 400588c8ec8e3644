package io.jobline.api;

import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.store.RunStore;
import io.jobline.api.auth.Access;
import io.jobline.api.auth.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** {@code GET /jobs/stats}: per job (and per tenant when asked), counts by status and durations. */
@Path("/jobs/stats")
@Produces(MediaType.APPLICATION_JSON)
public final class StatsResource {
  private final RunStore runs;
  private final Clock clock;

  public StatsResource(RunStore runs, Clock clock) {
    this.runs = runs;
    this.clock = clock;
  }

  @GET
  @RolesAllowed(Role.VIEWER_NAME)
  public Map<String, Object> stats(@Context SecurityContext sc, @QueryParam("job") String job, @QueryParam("tenant") String asked,
      @QueryParam("by_tenant") boolean byTenant, @QueryParam("days") Integer days) {
    int window = days == null ? 30 : days;
    if (window < 1 || window > 3650) {
      throw ApiException.badRequest("days", "days must be between 1 and 3650");
    }
    Instant since = clock.instant().minus(Duration.ofDays(window));
    String tenant = Access.tenantFilter(sc, asked);
    Map<String, List<RunRecord>> groups = new TreeMap<>();
    for (RunRecord r : runs.since(job, tenant, since)) {
      String key = r.jobName() + (byTenant ? "\u0000" + r.tenantId() : "");
      groups.computeIfAbsent(key, k -> new ArrayList<>()).add(r);
    }
    List<Map<String, Object>> out = new ArrayList<>();
    groups.forEach((key, list) -> out.add(group(list, byTenant)));
    return Map.of("since", since.toString(), "stats", out);
  }

  private static Map<String, Object> group(List<RunRecord> runs, boolean byTenant) {
    Map<String, Object> g = new LinkedHashMap<>();
    g.put("job_name", runs.get(0).jobName());
    if (byTenant) {
      g.put("tenant_id", runs.get(0).tenantId());
    }
    Map<String, Long> counts = new TreeMap<>();
    runs.forEach(r -> counts.merge(r.status() == null ? "unknown" : r.status().wire(), 1L, Long::sum));
    g.put("counts", counts);
    g.put("total", runs.size());
    double[] durations = runs.stream().map(RunRecord::durationSeconds).filter(d -> d != null)
        .mapToDouble(Double::doubleValue).sorted().toArray();
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("p50", pct(durations, 50));
    d.put("p95", pct(durations, 95));
    d.put("max", durations.length == 0 ? null : durations[durations.length - 1]);
    g.put("duration_seconds", d);
    runs.stream().map(RunRecord::requestedAt).filter(t -> t != null).max(Comparator.naturalOrder())
        .ifPresent(t -> g.put("last_run_at", t));
    runs.stream().filter(r -> r.status() == RunStatus.FAILED || r.status() == RunStatus.TIMED_OUT)
        .max(Comparator.comparing(r -> r.completedAt() == null ? Instant.EPOCH : r.completedAt()))
        .ifPresent(r -> g.put("last_failure", Map.of("run_id", r.runId(),
            "at", String.valueOf(r.completedAt()), "error", String.valueOf(r.error()))));
    return g;
  }

  private static Double pct(double[] sorted, int p) {
    if (sorted.length == 0) {
      return null;
    }
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }
}
