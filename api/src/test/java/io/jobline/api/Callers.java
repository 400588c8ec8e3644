package io.jobline.api;

import io.jobline.api.auth.Caller;
import jakarta.ws.rs.core.SecurityContext;
import java.security.Principal;

/** Security contexts for calling resources directly in the api's tests. */
final class Callers {
  private Callers() {}

  /** A request authenticated as {@code caller}, in every role (routes check tenants themselves). */
  static SecurityContext as(Caller caller) {
    return new SecurityContext() {
      @Override
      public Principal getUserPrincipal() {
        return caller;
      }

      @Override
      public boolean isUserInRole(String role) {
        return true;
      }

      @Override
      public boolean isSecure() {
        return false;
      }

      @Override
      public String getAuthenticationScheme() {
        return "test";
      }
    };
  }
}
