package io.jobline.api.auth;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.util.ArrayList;
import java.util.List;

/** How callers of the API authenticate: API keys (kept as SHA-256 hashes) and/or JWTs. */
public class AuthSettings {
  /** API keys; give each a name, the hex SHA-256 of the key, a role and optionally a tenant. */
  @Valid @NotNull @JsonProperty public List<ApiKey> apiKeys = new ArrayList<>();

  @Valid @NotNull @JsonProperty public Jwt jwt = new Jwt();

  /** A development admin token (standalone sets one); leave empty in production. */
  @JsonProperty public String devToken;

  /** An API key entry. */
  public static class ApiKey {
    @NotBlank @JsonProperty public String name;

    @NotBlank
    @Pattern(
        regexp = "[0-9a-fA-F]{64}",
        message = "must be the hex SHA-256 of the key (64 hex digits)")
    @JsonProperty
    public String sha256;

    @NotBlank
    @Pattern(regexp = "viewer|operator|admin", message = "must be viewer, operator or admin")
    @JsonProperty
    public String role = "viewer";

    @JsonProperty public String tenant;
  }

  /** JWT verification: an HS256 secret, or RS256 keys from a JWKS URL. */
  public static class Jwt {
    @JsonProperty public String hs256Secret;

    @JsonProperty public String jwksUrl;

    @JsonProperty public String issuer;

    @JsonProperty public String audience;

    @NotBlank @JsonProperty public String roleClaim = "role";

    @NotBlank @JsonProperty public String tenantClaim = "tenant";

    /**
     * The role of a JWT without a role claim; unset (the default), such a token is refused (401) —
     * a token that says nothing of its role gets none.
     */
    @Pattern(regexp = "viewer|operator|admin", message = "must be viewer, operator or admin")
    @JsonProperty
    public String defaultRole;

    public boolean enabled() {
      return (hs256Secret != null && !hs256Secret.isBlank())
          || (jwksUrl != null && !jwksUrl.isBlank());
    }
  }

  /** True when some way to authenticate is configured. */
  public boolean configured() {
    return !apiKeys.isEmpty() || jwt.enabled() || (devToken != null && !devToken.isBlank());
  }
}
