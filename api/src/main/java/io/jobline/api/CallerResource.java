package io.jobline.api;

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
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code GET /jobs/me}: who the bearer token stands for — name, role, tenant — and what that role
 * may do.
 */
@Path("/jobs/me")
@Produces(MediaType.APPLICATION_JSON)
public final class CallerResource {
  @GET
  @RolesAllowed(Role.VIEWER_NAME)
  public Map<String, Object> me(@Context SecurityContext sc) {
    Caller c = Access.caller(sc);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("name", c.name());
    out.put("role", c.role().wire());
    out.put("tenant", c.tenant());
    out.put("may_operate", c.role().includes(Role.OPERATOR));
    out.put("may_administer", c.role().includes(Role.ADMIN));
    return out;
  }
}
