package io.jobline.api;

import io.jobline.api.auth.Access;
import io.jobline.api.auth.Role;
import io.jobline.run.AuditEntry;
import io.jobline.store.AuditStore;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code GET /jobs/audit}: who cancelled, retried, triggered, created, changed or deleted what, and
 * when, newest first; a token bound to a tenant sees that tenant's entries only.
 */
@Path("/jobs/audit")
@Produces(MediaType.APPLICATION_JSON)
public final class AuditResource {
  private static final Set<String> TYPES =
      Set.of("run", "schedule", "chain", "chain_run", "dead_letter");
  private final AuditStore audit;

  public AuditResource(AuditStore audit) {
    this.audit = audit;
  }

  /** Audit entries, newest first. */
  record AuditPage(List<AuditEntry> entries) {}

  @GET
  @RolesAllowed(Role.VIEWER_NAME)
  public AuditPage list(
      @Context SecurityContext sc,
      @QueryParam("target_type") String targetType,
      @QueryParam("target") String target,
      @QueryParam("actor") String actor,
      @QueryParam("action") String action,
      @QueryParam("tenant") String tenant,
      @QueryParam("limit") Integer limit) {
    if (targetType != null && !TYPES.contains(targetType)) {
      throw ApiException.badRequest(
          "target_type", "target_type must be one of " + new TreeSet<>(TYPES));
    }
    String only = Access.tenantFilter(sc, tenant);
    if (tenant != null && !tenant.equals(only)) {
      return new AuditPage(List.of());
    }
    List<AuditEntry> entries =
        audit.list(
            new AuditStore.Query(
                only,
                targetType,
                target,
                actor,
                action,
                RunsResource.pageSize(limit, RunsResource.DEFAULT_PAGE)));
    return new AuditPage(entries);
  }
}
