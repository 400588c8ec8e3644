package io.jobline.api;

import com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.jobline.api.auth.Access;
import io.jobline.api.auth.Caller;
import io.jobline.api.auth.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;

/**
 * {@code GET /jobs/me}: who the bearer token stands for — name, role, tenant — and what that role
 * may do.
 */
@Path("/jobs/me")
@Produces(MediaType.APPLICATION_JSON)
public final class CallerResource {
  /** Who the token stands for, and whether its role may operate and administer. */
  @JsonNaming(SnakeCaseStrategy.class)
  record Me(String name, String role, String tenant, boolean mayOperate, boolean mayAdminister) {}

  @GET
  @RolesAllowed(Role.VIEWER_NAME)
  public Me me(@Context SecurityContext sc) {
    Caller c = Access.caller(sc);
    return new Me(
        c.name(),
        c.role().wire(),
        c.tenant(),
        c.role().includes(Role.OPERATOR),
        c.role().includes(Role.ADMIN));
  }
}
