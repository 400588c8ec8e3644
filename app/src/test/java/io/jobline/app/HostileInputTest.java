package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobline.wire.Json;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each row of the hostile-input table: the request an attacker would send, and the answer it must
 * get.
 */
class HostileInputTest {
  private static Http admin;
  private static String base;

  @BeforeAll
  static void start() {
    base = SharedStandalone.get().apiUrl();
    admin = new Http(base);
  }

  static void assertProblem(Http.Reply reply, int status, String field, String detail) {
    assertThat(reply.status()).as("status of %s", reply.body()).isEqualTo(status);
    assertThat(reply.contentType()).startsWith("application/problem+json");
    if (field != null) {
      assertThat(reply.body().path("field").asText()).isEqualTo(field);
    }
    if (detail != null) {
      assertThat(reply.body().path("detail").asText()).contains(detail);
    }
  }

  private static String schedule(String name, String extra) {
    return "{\"job_name\":"
        + Json.mapper().valueToTree(name)
        + ",\"job_type\":\"noop\",\"cron_expression\":\"0 3 * * *\""
        + extra
        + "}";
  }

  @Test
  void aTimeBeyondTheYears0000To9999IsA400NamingItsParameter() {
    // found by review: OffsetDateTime reads years up to a billion, and the store's dates and the
    // cron's days overflowed into a 500
    assertProblem(
        admin.get("/jobs/runs?from=%2B300000000-01-01T00:00:00Z"), 400, "from", "0000 to 9999");
    assertProblem(admin.get("/jobs/runs?to=-300000000-01-01T00:00:00Z"), 400, "to", "0000 to 9999");
    assertProblem(
        admin.get("/jobs/stats/status-counts?since=%2B300000000-01-01T00:00:00Z"),
        400,
        "since",
        "0000 to 9999");
    assertProblem(
        admin.post(
            "/jobs/cron/preview",
            "{\"cron_expression\":\"0 3 * * *\",\"from\":\"+999999999-12-31T00:00:00Z\"}"),
        400,
        "from",
        "0000 to 9999");
    assertThat(admin.get("/jobs/runs?from=9999-12-31T00:00:00Z").status()).isEqualTo(200);
  }

  @Test
  void aCronFieldWithANumberTooLargeForAnyFieldIsA400NamingIt() {
    assertProblem(
        admin.post(
            "/jobs/schedules",
            "{\"job_name\":\"huge-cron\",\"job_type\":\"noop\","
                + "\"cron_expression\":\"0-99999999999 * * * *\"}"),
        400,
        "cron_expression",
        "out of range");
    assertProblem(
        admin.post(
            "/jobs/schedules",
            "{\"job_name\":\"huge-step\",\"job_type\":\"noop\","
                + "\"cron_expression\":\"*/2147483647 * * * *\"}"),
        400,
        "cron_expression",
        "step");
    assertProblem(
        admin.post("/jobs/cron/preview", "{\"cron_expression\":\"0 0-99999999999 * * *\"}"),
        400,
        "cron_expression",
        "out of range");
  }

  @Test
  void scheduleNamesAreOfASafeCharsetAndLengthAndAnUnsafeOneIsNeverCreated() {
    assertProblem(
        admin.post("/jobs/schedules", schedule("😀\u0000x", "")),
        400,
        "job_name",
        "not a valid name");
    assertProblem(
        admin.post("/jobs/schedules", schedule("a/b", "")), 400, "job_name", "letters, digits");
    assertProblem(
        admin.post("/jobs/schedules", schedule("x".repeat(129), "")),
        400,
        "job_name",
        "129 characters");
    assertThat(admin.get("/jobs/schedules").body().toString()).doesNotContain("a/b");
    assertThat(
            admin
                .post("/jobs/schedules", schedule("ok.name_1:x-" + UUID.randomUUID(), ""))
                .status())
        .isEqualTo(201);
  }

  @Test
  void aScheduleWhoseParametersBreakItsJobsSchemaIsRefusedNamingThePath() {
    Http.Reply reply =
        admin.post(
            "/jobs/schedules",
            "{\"job_name\":\"bad-params\",\"job_type\":\"settlement\","
                + "\"cron_expression\":\"0 3 * * *\",\"parameters\":{\"period\":\"March\"}}");
    assertProblem(reply, 400, "parameters", "do not match the schema of job 'settlement'");
    assertThat(reply.body().path("errors").toString()).contains("$.period");
    assertThat(admin.get("/jobs/schedules/bad-params").status()).isEqualTo(404);
  }

  @Test
  void aQueryParameterOfTheWrongTypeIsA400NamingIt() {
    assertProblem(admin.get("/jobs/runs?limit=abc"), 400, "limit", "query parameter 'limit'");
    assertProblem(admin.get("/jobs/runs/x/logs?offset=1e99"), 400, "offset", null);
  }

  @Test
  void jsonIsReadStrictly() {
    assertProblem(
        admin.post("/jobs/run/noop", "{\"tenant_id\":\"t1\"} xyz"), 400, "body", "not valid JSON");
    assertProblem(
        admin.post("/jobs/run/noop", "{\"tenant_id\":\"a\",\"tenant_id\":\"b\"}"),
        400,
        "tenant_id",
        "Duplicate field");
    assertProblem(
        admin.post("/jobs/run/noop", "{\"tenant\":\"t1\"}"),
        400,
        "tenant",
        "unknown field 'tenant'");
    assertProblem(
        admin.post("/jobs/schedules", schedule("strict", ",\"cron\":\"* * * * *\"")),
        400,
        "cron",
        "unknown field");
    assertProblem(
        admin.post(
            "/jobs/chains", "{\"name\":\"strict\",\"steps\":[{\"job\":\"noop\",\"dependz\":[]}]}"),
        400,
        "steps[0].dependz",
        "unknown field");
  }

  @Test
  void pathTricksGetAProblemDocumentNotAnHtmlPage() throws Exception {
    assertProblem(admin.get("/jobs/runs/..%2f..%2fadmin"), 400, null, null);
    String nul = raw("GET /jobs/runs/a%00b HTTP/1.1");
    assertThat(nul)
        .startsWith("HTTP/1.1 400")
        .containsIgnoringCase("content-type: application/problem+json");
    String control = raw("GET /jobs/runs/a\u0001b HTTP/1.1");
    assertThat(control).startsWith("HTTP/1.1 400").containsIgnoringCase("application/problem+json");
  }

  /**
   * Sends a request line as raw bytes (no client library would send it) and returns the whole
   * answer.
   */
  private static String raw(String requestLine) throws Exception {
    URI uri = URI.create(base);
    try (Socket s = new Socket(uri.getHost(), uri.getPort())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(
          (requestLine
                  + "\r\nHost: localhost\r\nAuthorization: Bearer "
                  + Http.TEST_TOKEN
                  + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void everyStringFieldHasALimit() {
    assertProblem(
        admin.post("/jobs/run/noop", "{\"tenant_id\":\"" + "t".repeat(100_000) + "\"}"),
        400,
        "tenant_id",
        "at most 1024");
    assertProblem(
        admin.post("/jobs/run/noop", "{\"tenant_id\":\"" + "t".repeat(200) + "\"}"),
        400,
        "tenant_id",
        "200 characters long");
    assertProblem(
        admin.post("/jobs/run/noop", "{\"tenant_id\":\"a b\"}"),
        400,
        "tenant_id",
        "not a valid name");
    assertProblem(
        admin.post(
            "/jobs/schedules",
            schedule("long-description", ",\"description\":\"" + "d".repeat(2000) + "\"")),
        400,
        "description",
        "at most 1024");
    assertProblem(
        admin.post("/jobs/run/noop", "{\"params\":{\"k\":{\"$where\":\"1\"}}}"),
        400,
        "params",
        "must not start with '$'");
  }

  @Test
  void aTenantBoundOperatorCannotRunAJobOfSystemScopeNorScheduleOrChainOne() {
    Http acme = new Http(base, "acme-key");
    assertProblem(acme.post("/jobs/run/cleanup_job_runs", "{}"), 403, "job_name", "system scope");
    Http acmeAdmin = new Http(base, "acme-admin-key");
    assertProblem(
        acmeAdmin.post(
            "/jobs/schedules",
            "{\"job_name\":\"sneaky-"
                + UUID.randomUUID()
                + "\",\"job_type\":\"cleanup_job_runs\",\"cron_expression\":\"0 3 * * *\"}"),
        403,
        "job_name",
        "system scope");
    String chain = "sys-chain-" + UUID.randomUUID().toString().substring(0, 8);
    assertThat(
            admin
                .post(
                    "/jobs/chains",
                    "{\"name\":\""
                        + chain
                        + "\",\"steps\":[{\"job\":\"noop\"},"
                        + "{\"job\":\"cleanup_job_runs\",\"depends_on\":[\"noop\"]}]}")
                .status())
        .isEqualTo(201);
    assertProblem(
        acme.post("/jobs/chains/" + chain + "/run", "{}"), 403, "job_name", "system scope");
    assertProblem(
        acmeAdmin.post("/jobs/chains", "{\"name\":\"x\",\"steps\":[{\"job\":\"noop\"}]}"),
        403,
        null,
        "defining a chain");
    assertThat(admin.post("/jobs/run/cleanup_job_runs", "{}").status()).isEqualTo(202);
  }

  @Test
  void aJwtWithoutARoleClaimIsRefusedSayingWhy() throws Exception {
    Http noRole = new Http(base, AuthTest.jwt(null, null, 300));
    assertProblem(noRole.get("/jobs/runs"), 401, "Authorization", "no 'role' claim");
    assertProblem(
        new Http(base, AuthTest.jwt("superuser", null, 300)).get("/jobs"),
        401,
        "Authorization",
        "not viewer, operator or admin");
  }

  @Test
  void a403NamesTheRoleNeededAndTheCallersRole() {
    Http.Reply reply = new Http(base, "viewer-key").post("/jobs/run/noop", "{}");
    assertProblem(
        reply,
        403,
        null,
        "needs the operator role or above; the token 'viewer' has the viewer role");
    JsonNode admin403 = new Http(base, "operator-key").delete("/jobs/schedules/anything").body();
    assertThat(admin403.path("detail").asText())
        .contains("needs the admin role")
        .contains("has the operator role");
  }
}
