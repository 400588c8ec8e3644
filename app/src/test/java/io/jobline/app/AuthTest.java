package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.jobline.api.auth.AuthSettings;
import io.jobline.api.auth.Authenticator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Who may do what: the role matrix, tenant isolation (404, not 403), API keys and JWTs. */
class AuthTest {
  static final String JWT_SECRET = "a-test-secret-that-is-at-least-32-bytes-long";
  private static String base;
  private static Http admin;

  static AuthSettings.ApiKey key(String name, String key, String role, String tenant) {
    AuthSettings.ApiKey k = new AuthSettings.ApiKey();
    k.name = name;
    k.sha256 = Authenticator.hash(key);
    k.role = role;
    k.tenant = tenant;
    return k;
  }

  static String jwt(String role, String tenant, long expiresInSeconds) throws Exception {
    JWTClaimsSet.Builder claims =
        new JWTClaimsSet.Builder()
            .subject("someone")
            .expirationTime(new Date(System.currentTimeMillis() + expiresInSeconds * 1000));
    if (role != null) {
      claims.claim("role", role);
    }
    if (tenant != null) {
      claims.claim("tenant", tenant);
    }
    SignedJWT token = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims.build());
    token.sign(new MACSigner(JWT_SECRET.getBytes(StandardCharsets.UTF_8)));
    return token.serialize();
  }

  @BeforeAll
  static void start() {
    base = SharedStandalone.get().apiUrl();
    admin = new Http(base);
  }

  private static void assertProblem(Http.Reply r, int status) {
    assertThat(r.status()).isEqualTo(status);
    assertThat(r.contentType()).startsWith("application/problem+json");
  }

  @Test
  void withoutAValidTokenEverythingButHealthIs401() {
    Http anonymous = new Http(base, null);
    for (String path :
        List.of("/jobs", "/jobs/runs", "/jobs/schedules", "/jobs/stats", "/openapi.json")) {
      assertProblem(anonymous.get(path), 401);
    }
    assertProblem(anonymous.post("/jobs/run/noop", "{}"), 401);
    assertProblem(new Http(base, "not-a-key").get("/jobs"), 401);
    assertThat(anonymous.get("/admin/healthcheck").status()).isEqualTo(200);
  }

  @Test
  void eachRoleMayDoItsShareAndNoMore() {
    Http viewer = new Http(base, "viewer-key");
    Http operator = new Http(base, "operator-key");
    String schedule =
        "{\"job_name\":\"auth-"
            + UUID.randomUUID()
            + "\",\"job_type\":\"noop\",\"cron_expression\":\"0 3 * * *\"}";

    assertThat(viewer.get("/jobs").status()).isEqualTo(200);
    assertThat(viewer.get("/jobs/runs").status()).isEqualTo(200);
    assertProblem(viewer.post("/jobs/run/noop", "{}"), 403);
    assertProblem(viewer.post("/jobs/schedules", schedule), 403);
    assertProblem(viewer.post("/jobs/runs/x/cancel", null), 403);

    String runId = operator.post("/jobs/run/noop", "{}").body().path("run_id").asText();
    assertThat(runId).isNotEmpty();
    assertProblem(operator.post("/jobs/schedules", schedule), 403);

    Http.Reply created = admin.post("/jobs/schedules", schedule);
    assertThat(created.status()).isEqualTo(201);
    String name = created.body().path("job_name").asText();
    assertThat(operator.post("/jobs/schedules/" + name + "/pause", null).status()).isEqualTo(200);
    assertProblem(operator.delete("/jobs/schedules/" + name), 403);
    assertThat(admin.delete("/jobs/schedules/" + name).status()).isEqualTo(204);
  }

  @Test
  void aTenantBoundTokenSeesAndActsOnlyOnItsTenant() {
    Http acme = new Http(base, "acme-key");
    String other =
        admin.post("/jobs/run/noop", "{\"tenant_id\":\"globex\"}").body().path("run_id").asText();
    String mine = acme.post("/jobs/run/noop", "{}").body().path("run_id").asText();
    EndToEndTest.awaitRun(admin, other, "completed");
    JsonNode run = EndToEndTest.awaitRun(acme, mine, "completed");
    assertThat(run.path("tenant_id").asText()).isEqualTo("acme");

    assertProblem(acme.get("/jobs/runs/" + other), 404);
    assertProblem(acme.post("/jobs/runs/" + other + "/retry", null), 404);
    Http.Reply foreign = acme.post("/jobs/run/noop", "{\"tenant_id\":\"globex\"}");
    assertProblem(foreign, 403);
    assertThat(foreign.body().path("field").asText()).isEqualTo("tenant_id");
    List<String> tenants = new ArrayList<>();
    acme.get("/jobs/runs?limit=500")
        .body()
        .path("runs")
        .forEach(r -> tenants.add(r.path("tenant_id").asText()));
    assertThat(tenants).isNotEmpty().containsOnly("acme");
    assertThat(acme.get("/jobs/runs?tenant=globex").body().path("runs").size()).isZero();

    String globexSchedule =
        "{\"job_name\":\"globex-"
            + UUID.randomUUID()
            + "\",\"job_type\":\"noop\",\"cron_expression\":\"0 3 * * *\",\"tenant_id\":\"globex\"}";
    String name = admin.post("/jobs/schedules", globexSchedule).body().path("job_name").asText();
    assertProblem(acme.get("/jobs/schedules/" + name), 404);
    assertProblem(acme.post("/jobs/schedules/" + name + "/pause", null), 404);
    acme.get("/jobs/schedules")
        .body()
        .forEach(s -> assertThat(s.path("tenant_id").asText()).isEqualTo("acme"));
    Http acmeAdmin = new Http(base, "acme-admin-key");
    assertProblem(acmeAdmin.delete("/jobs/schedules/" + name), 404);
    assertThat(
            acmeAdmin
                .post(
                    "/jobs/schedules",
                    "{\"job_name\":\"acme-"
                        + UUID.randomUUID()
                        + "\",\"job_type\":\"noop\",\"cron_expression\":\"0 3 * * *\"}")
                .body()
                .path("tenant_id")
                .asText())
        .isEqualTo("acme");
    assertProblem(acme.post("/jobs/check-schedules", null), 403);
    admin.delete("/jobs/schedules/" + name);
  }

  @Test
  void jwtsCarryTheRoleAndTenantAndExpire() throws Exception {
    Http jwtViewer = new Http(base, jwt("viewer", "acme", 300));
    String mine =
        new Http(base, "acme-key").post("/jobs/run/noop", "{}").body().path("run_id").asText();
    String other =
        admin.post("/jobs/run/noop", "{\"tenant_id\":\"initech\"}").body().path("run_id").asText();
    EndToEndTest.awaitRun(admin, mine, "completed");
    EndToEndTest.awaitRun(admin, other, "completed");

    assertThat(jwtViewer.get("/jobs/runs/" + mine).status()).isEqualTo(200);
    assertProblem(jwtViewer.get("/jobs/runs/" + other), 404);
    assertProblem(jwtViewer.post("/jobs/run/noop", "{}"), 403);
    assertThat(new Http(base, jwt("operator", null, 300)).post("/jobs/run/noop", "{}").status())
        .isEqualTo(202);
    assertProblem(new Http(base, jwt("admin", null, -60)).get("/jobs"), 401);
  }
}
