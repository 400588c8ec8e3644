package io.jobline.api.auth;

import io.jobline.api.ApiException;
import io.jobline.job.JobDescriptor;
import io.jobline.wire.Scope;
import jakarta.ws.rs.core.SecurityContext;
import java.util.function.Supplier;

/**
 * Tenant isolation: a token bound to a tenant sees and acts on that tenant's runs and schedules
 * only.
 */
public final class Access {
  private Access() {}

  public static Caller caller(SecurityContext sc) {
    return sc != null && sc.getUserPrincipal() instanceof Caller c
        ? c
        : new Caller("anonymous", Role.ADMIN, null);
  }

  /** The tenant a list is restricted to: the token's, whatever was asked. */
  public static String tenantFilter(SecurityContext sc, String requested) {
    Caller c = caller(sc);
    return c.tenant() != null ? c.tenant() : requested;
  }

  /** Another tenant's thing does not exist for this caller: 404, not 403. */
  public static void mustSee(SecurityContext sc, String tenantId, Supplier<ApiException> notFound) {
    if (!caller(sc).sees(tenantId)) {
      throw notFound.get();
    }
  }

  /**
   * The tenant a new run or schedule acts for: the given one, or the token's when none is given.
   *
   * @throws ApiException 403 naming tenant_id when the token is bound to another tenant
   */
  public static String tenantFor(SecurityContext sc, String given) {
    Caller c = caller(sc);
    if (c.tenant() == null) {
      return given;
    }
    if (c.tenant().isBlank()) {
      // (found by review: a token naming tenant "" was answered 202, and its run was
      // dead-lettered by the executor)
      throw new ApiException(
          403,
          "Forbidden",
          "this token is bound to a blank tenant, so it cannot ask for work; bind it to a tenant"
              + " or to none",
          "tenant_id",
          null);
    }
    if (given != null && !given.equals(c.tenant())) {
      throw new ApiException(
          403,
          "Forbidden",
          "this token acts for tenant '" + c.tenant() + "' only",
          "tenant_id",
          null);
    }
    return c.tenant();
  }

  /**
   * Refuses a job of system scope (it acts on every tenant's data, e.g. the retention jobs) to a
   * token bound to a tenant — whether it is run directly, by a schedule or as a chain step.
   *
   * @throws ApiException 403 naming job_name
   */
  public static void mayRun(SecurityContext sc, JobDescriptor job) {
    Caller c = caller(sc);
    if (c.tenant() != null && job.scope() == Scope.SYSTEM) {
      throw new ApiException(
          403,
          "Forbidden",
          "job '"
              + job.name()
              + "' has system scope: it acts on every "
              + "tenant's data, so it needs a token not bound to a tenant; this token is bound to tenant '"
              + c.tenant()
              + "'",
          "job_name",
          null);
    }
  }

  /**
   * Refuses operations across tenants to tenant-bound tokens.
   *
   * @throws ApiException 403
   */
  public static void mustBeUnbound(SecurityContext sc, String what) {
    if (caller(sc).tenant() != null) {
      throw new ApiException(
          403,
          "Forbidden",
          what + " spans every tenant; this token is bound to tenant '" + caller(sc).tenant() + "'",
          null,
          null);
    }
  }
}
