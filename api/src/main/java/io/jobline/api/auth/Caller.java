package io.jobline.api.auth;

import java.security.Principal;

/**
 * Who is calling: a name, a role, the tenant the token is bound to (null: every tenant), and, when
 * the name cannot tell this token apart from others (a JWT without {@code sub}), a hash of the
 * token ({@code token}; null otherwise).
 */
public record Caller(String name, Role role, String tenant, String token) implements Principal {
  /** A caller its name and tenant tell apart (an API key, a JWT with {@code sub}). */
  public Caller(String name, Role role, String tenant) {
    this(name, role, tenant, null);
  }

  /**
   * Whom the per-token limits (the write bucket, the live stream slots) count against: the name
   * within its tenant, and for a JWT without {@code sub} the token itself.
   */
  public record LimitKey(String name, String tenant, String token) {}

  /**
   * This caller's {@link LimitKey}. Keyed by the name alone, every tenant's JWTs without {@code
   * sub} (all named "jwt") shared one bucket and one set of stream slots, as did tokens of
   * different tenants that share a name.
   */
  public LimitKey limitKey() {
    return new LimitKey(name, tenant, token);
  }

  @Override
  public String getName() {
    return name;
  }

  /** Whether this caller may see or act on something of {@code tenantId}. */
  public boolean sees(String tenantId) {
    return tenant == null || tenant.equals(tenantId);
  }
}
