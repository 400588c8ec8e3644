package io.jobline.api.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import org.junit.jupiter.api.Test;

class AuthenticatorTest {

  @Test
  void anRs256TokenIsVerifiedWithKeysFetchedFromAJwksUrl() throws Exception {
    RSAKey key = new RSAKeyGenerator(2048).keyID("k1").generate();
    RSAKey stranger = new RSAKeyGenerator(2048).keyID("k1").generate();
    byte[] jwks = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/jwks.json",
        exchange -> {
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, jwks.length);
          exchange.getResponseBody().write(jwks);
          exchange.close();
        });
    server.start();
    try {
      AuthSettings settings = new AuthSettings();
      settings.jwt.jwksUrl = "http://127.0.0.1:" + server.getAddress().getPort() + "/jwks.json";
      settings.jwt.issuer = "https://idp.example";
      Authenticator auth = new Authenticator(settings);

      Caller caller =
          auth.authenticate(token(key, "https://idp.example", "operator", "acme")).orElseThrow();
      assertThat(caller.role()).isEqualTo(Role.OPERATOR);
      assertThat(caller.tenant()).isEqualTo("acme");
      assertThat(auth.authenticate(token(stranger, "https://idp.example", "admin", null)))
          .isEmpty();
      assertThat(auth.authenticate(token(key, "https://other.example", "admin", null))).isEmpty();
    } finally {
      server.stop(0);
    }
  }

  @Test
  void apiKeysAreMatchedByTheirHash() {
    AuthSettings settings = new AuthSettings();
    AuthSettings.ApiKey k = new AuthSettings.ApiKey();
    k.name = "ci";
    k.sha256 = Authenticator.hash("s3cret");
    k.role = "operator";
    settings.apiKeys.add(k);
    Authenticator auth = new Authenticator(settings);
    assertThat(auth.authenticate("s3cret").orElseThrow().name()).isEqualTo("ci");
    assertThat(auth.authenticate("s3cret ")).isEmpty();
    assertThat(Role.ADMIN.includes(Role.OPERATOR)).isTrue();
    assertThat(Role.VIEWER.includes(Role.OPERATOR)).isFalse();
  }

  @Test
  void jwtsWithoutSubAreNamedJwtButEachCountsItsOwnLimits() throws Exception {
    AuthSettings settings = new AuthSettings();
    settings.jwt.hs256Secret = "a secret of at least thirty-two bytes";
    Authenticator auth = new Authenticator(settings);

    // one token, shown twice: made twice, their expiry times (whole seconds) may differ
    String firstToken = hs256(settings, null, "acme", 1);
    Caller first = auth.authenticate(firstToken).orElseThrow();
    Caller second = auth.authenticate(hs256(settings, null, "acme", 2)).orElseThrow();
    Caller svc = auth.authenticate(hs256(settings, "svc", "acme", 1)).orElseThrow();
    Caller svcAgain = auth.authenticate(hs256(settings, "svc", "acme", 2)).orElseThrow();

    assertThat(first.name()).isEqualTo("jwt");
    assertThat(second.name()).isEqualTo("jwt");
    assertThat(first.limitKey()).isNotEqualTo(second.limitKey());
    assertThat(first.limitKey()).isEqualTo(auth.authenticate(firstToken).orElseThrow().limitKey());
    // a subject is one caller within its tenant, whichever token it shows
    assertThat(svc.limitKey()).isEqualTo(svcAgain.limitKey());
  }

  /**
   * An HS256 token of {@code subject} (none if null) and {@code tenant}; {@code n} tells it apart.
   */
  private static String hs256(AuthSettings settings, String subject, String tenant, int n)
      throws Exception {
    JWTClaimsSet.Builder claims =
        new JWTClaimsSet.Builder()
            .claim("role", "operator")
            .claim("tenant", tenant)
            .jwtID("token-" + n)
            .expirationTime(new Date(System.currentTimeMillis() + 60_000));
    if (subject != null) {
      claims.subject(subject);
    }
    SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims.build());
    jwt.sign(new MACSigner(settings.jwt.hs256Secret.getBytes(StandardCharsets.UTF_8)));
    return jwt.serialize();
  }

  private static String token(RSAKey key, String issuer, String role, String tenant)
      throws Exception {
    JWTClaimsSet.Builder claims =
        new JWTClaimsSet.Builder()
            .issuer(issuer)
            .subject("svc")
            .claim("role", role)
            .expirationTime(new Date(System.currentTimeMillis() + 60_000));
    if (tenant != null) {
      claims.claim("tenant", tenant);
    }
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(),
            claims.build());
    jwt.sign(new RSASSASigner(key));
    return jwt.serialize();
  }
}
