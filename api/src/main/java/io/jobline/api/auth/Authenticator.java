package io.jobline.api.auth;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.net.MalformedURLException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Turns a bearer token into a {@link Caller}: an API key by its hash, or a verified JWT. */
public final class Authenticator {
  private record Key(byte[] hash, Caller caller) {}

  private final List<Key> keys = new ArrayList<>();
  private final DefaultJWTProcessor<SecurityContext> jwt;
  private final AuthSettings.Jwt jwtSettings;

  public Authenticator(AuthSettings settings) {
    for (AuthSettings.ApiKey k : settings.apiKeys) {
      keys.add(
          new Key(
              HexFormat.of().parseHex(k.sha256.toLowerCase()),
              new Caller(k.name, Role.of(k.role), k.tenant)));
    }
    if (settings.devToken != null && !settings.devToken.isBlank()) {
      keys.add(new Key(sha256(settings.devToken), new Caller("development", Role.ADMIN, null)));
    }
    this.jwtSettings = settings.jwt;
    this.jwt = settings.jwt.enabled() ? processor(settings.jwt) : null;
  }

  /** The hex SHA-256 of a key, as it goes into {@code auth.apiKeys[].sha256}. */
  public static String hash(String key) {
    return HexFormat.of().formatHex(sha256(key));
  }

  /** Who a token stands for, or why it stands for nobody. */
  public record Outcome(Caller caller, String refusal) {
    static Outcome of(Caller c) {
      return new Outcome(c, null);
    }

    static Outcome refused(String why) {
      return new Outcome(null, why);
    }
  }

  public Optional<Caller> authenticate(String token) {
    return Optional.ofNullable(check(token).caller());
  }

  /** The caller a token stands for, or the reason it is refused (never the token or a secret). */
  public Outcome check(String token) {
    byte[] hash = sha256(token);
    for (Key k : keys) {
      if (MessageDigest.isEqual(k.hash(), hash)) {
        return Outcome.of(k.caller());
      }
    }
    if (jwt == null || token.chars().filter(c -> c == '.').count() != 2) {
      return Outcome.refused(
          "the bearer token is not valid (unknown API key, or a JWT that fails verification or has expired)");
    }
    JWTClaimsSet claims;
    try {
      claims = jwt.process(token, null);
    } catch (Exception e) {
      return Outcome.refused("the JWT fails verification or has expired");
    }
    Object role = claims.getClaim(jwtSettings.roleClaim);
    String roleName = role != null ? role.toString() : jwtSettings.defaultRole;
    if (roleName == null) {
      return Outcome.refused(
          "the JWT has no '"
              + jwtSettings.roleClaim
              + "' claim and auth.jwt.defaultRole is not set");
    }
    Role r;
    try {
      r = Role.of(roleName);
    } catch (IllegalArgumentException e) {
      return Outcome.refused(
          "the JWT's '" + jwtSettings.roleClaim + "' claim is not viewer, operator or admin");
    }
    Object tenant = claims.getClaim(jwtSettings.tenantClaim);
    String bound = tenant == null ? null : tenant.toString();
    if (claims.getSubject() == null) {
      // named "jwt" like every other such token; its own hash keeps its limits its own
      return Outcome.of(new Caller("jwt", r, bound, HexFormat.of().formatHex(hash)));
    }
    return Outcome.of(new Caller(claims.getSubject(), r, bound));
  }

  private static DefaultJWTProcessor<SecurityContext> processor(AuthSettings.Jwt s) {
    DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
    JWKSource<SecurityContext> source;
    JWSAlgorithm alg;
    if (s.hs256Secret != null && !s.hs256Secret.isBlank()) {
      source = new ImmutableSecret<>(s.hs256Secret.getBytes(StandardCharsets.UTF_8));
      alg = JWSAlgorithm.HS256;
    } else {
      try {
        source = JWKSourceBuilder.create(URI.create(s.jwksUrl).toURL()).retrying(true).build();
      } catch (MalformedURLException e) {
        throw new IllegalArgumentException("auth.jwt.jwksUrl is not a URL: " + s.jwksUrl, e);
      }
      alg = JWSAlgorithm.RS256;
    }
    p.setJWSKeySelector(new JWSVerificationKeySelector<>(alg, source));
    JWTClaimsSet.Builder exact = new JWTClaimsSet.Builder();
    if (s.issuer != null) {
      exact.issuer(s.issuer);
    }
    p.setJWTClaimsSetVerifier(
        new DefaultJWTClaimsVerifier<>(s.audience, exact.build(), Set.of("exp")));
    return p;
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
