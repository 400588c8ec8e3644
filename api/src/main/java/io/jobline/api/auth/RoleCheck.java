package io.jobline.api.auth;

import io.jobline.api.Problem;
import jakarta.annotation.Priority;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.DynamicFeature;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.FeatureContext;
import jakarta.ws.rs.core.Response;
import java.lang.reflect.Method;

/**
 * Enforces {@code @RolesAllowed} on every resource method (the least role it names, since each role
 * includes the ones below it); a caller whose role is too small gets a 403 saying which role the
 * route needs and which one the token has.
 */
public final class RoleCheck implements DynamicFeature {
  @Override
  public void configure(ResourceInfo resource, FeatureContext context) {
    Method method = resource.getResourceMethod();
    RolesAllowed allowed = method.getAnnotation(RolesAllowed.class);
    if (allowed == null) {
      allowed = resource.getResourceClass().getAnnotation(RolesAllowed.class);
    }
    if (allowed != null && allowed.value().length > 0) {
      Role least = Role.ADMIN;
      for (String name : allowed.value()) {
        Role r = Role.of(name);
        least = r.ordinal() < least.ordinal() ? r : least;
      }
      context.register(new Filter(least));
    }
  }

  /** Lets a caller with at least {@code needed} through. */
  @Priority(Priorities.AUTHORIZATION)
  static final class Filter implements ContainerRequestFilter {
    private final Role needed;

    Filter(Role needed) {
      this.needed = needed;
    }

    @Override
    public void filter(ContainerRequestContext request) {
      Caller c = Access.caller(request.getSecurityContext());
      if (!c.role().includes(needed)) {
        request.abortWith(
            Response.status(403)
                .type(Problem.MEDIA_TYPE)
                .entity(
                    new Problem(
                        "about:blank",
                        "Forbidden",
                        403,
                        request.getMethod()
                            + " "
                            + request.getUriInfo().getPath()
                            + " needs the "
                            + needed.wire()
                            + " role"
                            + (needed == Role.ADMIN ? "" : " or above")
                            + "; the token '"
                            + c.name()
                            + "' has the "
                            + c.role().wire()
                            + " role",
                        "Authorization",
                        null))
                .build());
      }
    }
  }
}
