package io.jobline.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonInclude.Include;
import com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.jobline.api.auth.Access;
import io.jobline.api.auth.Role;
import io.jobline.store.RunStore;
import io.jobline.store.StatsStore;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bson.Document;

/**
 * {@code GET /jobs/stats}: per job (and per job and tenant with {@code by_tenant=true}), counts by
 * status, duration p50/p95 over the last runs and the longest, the last run and the last failure,
 * from {@code job_stats} as history keeps it; runs by status for charts; the backlog per tenant.
 */
@Path("/jobs/stats")
@Produces(MediaType.APPLICATION_JSON)
public final class StatsResource {
  private final StatsStore stats;
  private final RunStore runs;
  private final TenantBacklog backlog;
  private final Clock clock;

  public StatsResource(StatsStore stats, RunStore runs, TenantBacklog backlog, Clock clock) {
    this.stats = stats;
    this.runs = runs;
    this.backlog = backlog;
    this.clock = clock;
  }

  /**
   * Per tenant, the requests the executors have not finished (waiting to start, or running), from
   * the consumer lag of the request topics (see {@link TenantBacklog}), as it stood a few seconds
   * ago at most; of the tenant asked (a tenant-bound token: its own, and no partitions).
   */
  /**
   * The backlog as it stood at {@code as_of}; {@code partitions} only where every tenant is shown.
   */
  @JsonNaming(SnakeCaseStrategy.class)
  record Backlog(
      String asOf,
      String group,
      String tenant,
      boolean complete,
      List<TenantCount> tenants,
      @JsonInclude(Include.NON_NULL) List<PartitionBacklog> partitions) {}

  /** A tenant's unfinished requests; a lower bound when {@code at_least}. */
  @JsonNaming(SnakeCaseStrategy.class)
  record TenantCount(String tenantId, long unfinished, boolean atLeast) {
    TenantCount(String tenant, TenantBacklog.Count count) {
      this(tenant, count.unfinished(), count.atLeast());
    }
  }

  /** One partition of a request topic: offsets, unfinished requests, and per tenant. */
  @JsonNaming(SnakeCaseStrategy.class)
  record PartitionBacklog(
      String topic,
      int partition,
      long committedOffset,
      long endOffset,
      long unfinished,
      boolean readThrough,
      List<TenantCount> tenants) {}

  /** How many runs of each status were requested since {@code since}, and in all. */
  record StatusCounts(String since, String tenant, Map<String, Long> counts, long total) {}

  @GET
  @Path("/backlog")
  @RolesAllowed(Role.VIEWER_NAME)
  public Backlog backlog(@Context SecurityContext sc, @QueryParam("tenant") String asked) {
    String tenant = Access.tenantFilter(sc, asked);
    TenantBacklog.Look look = backlog.look();
    List<TenantCount> tenants = new ArrayList<>();
    boolean exact;
    if (tenant == null) {
      look.byTenant().forEach((t, count) -> tenants.add(new TenantCount(t, count)));
      exact = look.complete();
    } else {
      TenantBacklog.Count count = look.forTenant(tenant);
      if (asked == null || asked.equals(tenant)) {
        tenants.add(new TenantCount(tenant, count));
      }
      exact = !count.atLeast();
    }
    // how much of the lag each partition holds shows other tenants' volumes: not for a tenant's
    // token
    List<PartitionBacklog> partitions =
        tenant != null
            ? null
            : look.partitions().stream()
                .map(
                    p ->
                        new PartitionBacklog(
                            p.topic(),
                            p.partition(),
                            p.committed(),
                            p.end(),
                            p.unfinished(),
                            p.readThrough(),
                            p.tenants().entrySet().stream()
                                .map(
                                    e ->
                                        new TenantCount(e.getKey(), e.getValue(), !p.readThrough()))
                                .toList()))
                .toList();
    return new Backlog(look.at().toString(), look.group(), tenant, exact, tenants, partitions);
  }

  /**
   * How many runs of each status were requested since {@code since} (default: an hour ago, at most
   * 31 days ago), of the tenant asked (a tenant-bound token: its own).
   */
  @GET
  @Path("/status-counts")
  @RolesAllowed(Role.VIEWER_NAME)
  public StatusCounts statusCounts(
      @Context SecurityContext sc,
      @QueryParam("since") String since,
      @QueryParam("tenant") String asked) {
    Instant now = clock.instant();
    Instant from = now.minus(Duration.ofHours(1));
    if (since != null) {
      from = Bodies.instant("since", since);
      if (from.isBefore(now.minus(Duration.ofDays(31)))) {
        throw ApiException.badRequest(
            "since", "since may be at most 31 days ago (GET /jobs/stats has all-time counts)");
      }
    }
    String tenant = Access.tenantFilter(sc, asked);
    Map<String, Long> counts = new TreeMap<>();
    if (asked == null || asked.equals(tenant)) {
      runs.countByStatus(tenant, from).forEach((status, n) -> counts.put(status.wire(), n));
    }
    return new StatusCounts(
        from.toString(), tenant, counts, counts.values().stream().mapToLong(Long::longValue).sum());
  }

  @GET
  @RolesAllowed(Role.VIEWER_NAME)
  public Map<String, Object> stats(
      @Context SecurityContext sc,
      @QueryParam("job") String job,
      @QueryParam("tenant") String asked,
      @QueryParam("by_tenant") String byTenantAsked) {
    boolean byTenant = Boolean.TRUE.equals(Bodies.flag("by_tenant", byTenantAsked));
    String tenant = Access.tenantFilter(sc, asked);
    List<Map<String, Object>> out = new ArrayList<>();
    if (asked != null && !asked.equals(tenant)) {
      // another tenant's, asked by a token bound to one: nothing, as the run lists answer (found
      // by review: it was answered with the token's own tenant's statistics)
      return Map.of("stats", out);
    }
    for (Document d : stats.find(job, tenant, byTenant || tenant != null)) {
      out.add(view(d));
    }
    return Map.of("stats", out);
  }

  private static Map<String, Object> view(Document d) {
    Map<String, Object> g = new LinkedHashMap<>();
    g.put("job_name", d.getString("job_name"));
    if (d.containsKey("tenant_id")) {
      g.put("tenant_id", d.get("tenant_id"));
    }
    Document counts = d.get("counts", new Document());
    g.put("counts", counts);
    g.put("total", counts.values().stream().mapToLong(v -> ((Number) v).longValue()).sum());
    double[] durations =
        d.getList("durations", Number.class, List.of()).stream()
            .mapToDouble(Number::doubleValue)
            .sorted()
            .toArray();
    Map<String, Object> dur = new LinkedHashMap<>();
    dur.put("p50", pct(durations, 50));
    dur.put("p95", pct(durations, 95));
    dur.put("max", d.get("max_duration_seconds"));
    dur.put("over_last", durations.length);
    g.put("duration_seconds", dur);
    Date last = d.getDate("last_run_at");
    g.put("last_run_at", last == null ? null : last.toInstant().toString());
    Document failure = d.get("last_failure", Document.class);
    if (failure != null) {
      Date at = failure.getDate("at");
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("run_id", failure.getString("run_id"));
      f.put("at", at == null ? null : at.toInstant().toString());
      f.put("error", failure.getString("error"));
      g.put("last_failure", f);
    }
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
