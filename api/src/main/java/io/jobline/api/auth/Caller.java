package io.jobline.api.auth;

import java.security.Principal;

/** Who is calling: a name, a role, and the tenant the token is bound to (null: every tenant). */
public record Caller(String name, Role role, String tenant) implements Principal {
  @Override
  public String getName() {
    return name;
  }

  /** Whether this caller may see or act on something of {@code tenantId}. */
  public boolean sees(String tenantId) {
    return tenant == null || tenant.equals(tenantId);
  }
}
