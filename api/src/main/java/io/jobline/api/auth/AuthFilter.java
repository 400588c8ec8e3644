package io.jobline.api.auth;

import io.jobline.api.Problem;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.security.Principal;

/**
 * Requires {@code Authorization: Bearer <token>} on every API route; health and metrics live under
 * /admin.
 */
@Priority(Priorities.AUTHENTICATION)
public final class AuthFilter implements ContainerRequestFilter {
  private final Authenticator authenticator;

  public AuthFilter(Authenticator authenticator) {
    this.authenticator = authenticator;
  }

  @Override
  public void filter(ContainerRequestContext request) {
    String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7) || header.length() <= 7) {
      reject(request, "this API needs Authorization: Bearer <token> (an API key or a JWT)");
      return;
    }
    Authenticator.Outcome outcome = authenticator.check(header.substring(7).trim());
    if (outcome.caller() == null) {
      reject(request, outcome.refusal());
      return;
    }
    boolean secure = request.getSecurityContext().isSecure();
    Caller c = outcome.caller();
    request.setSecurityContext(
        new SecurityContext() {
          @Override
          public Principal getUserPrincipal() {
            return c;
          }

          @Override
          public boolean isUserInRole(String role) {
            try {
              return c.role().includes(Role.of(role));
            } catch (IllegalArgumentException e) {
              return false;
            }
          }

          @Override
          public boolean isSecure() {
            return secure;
          }

          @Override
          public String getAuthenticationScheme() {
            return "Bearer";
          }
        });
  }

  private static void reject(ContainerRequestContext request, String detail) {
    request.abortWith(
        Response.status(401)
            .type(Problem.MEDIA_TYPE)
            .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"jobline\"")
            .entity(new Problem("about:blank", "Unauthorized", 401, detail, "Authorization", null))
            .build());
  }
}
