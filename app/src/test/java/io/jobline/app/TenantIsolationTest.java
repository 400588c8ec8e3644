package io.jobline.app;

import static io.jobline.app.HostileInputTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every route, with a token bound to tenant acme, against another tenant's runs, schedules and
 * chain runs: reading or acting on one is a 404 (it does not exist for acme), writing for the other
 * tenant a 403, and lists never show it.
 */
class TenantIsolationTest {
  private static Http admin;
  private static Http acme;
  private static Http acmeAdmin;
  private static String otherRun;
  private static String otherSchedule;
  private static String otherChainRun;

  @BeforeAll
  static void start() {
    String base = SharedStandalone.get().apiUrl();
    admin = new Http(base);
    acme = new Http(base, "acme-key");
    acmeAdmin = new Http(base, "acme-admin-key");
    otherRun =
        admin.post("/jobs/run/noop", "{\"tenant_id\":\"umbrella\"}").body().path("run_id").asText();
    EndToEndTest.awaitRun(admin, otherRun, "completed");
    otherSchedule = "umbrella-" + UUID.randomUUID();
    assertThat(
            admin
                .post(
                    "/jobs/schedules",
                    "{\"job_name\":\""
                        + otherSchedule
                        + "\",\"job_type\":\"noop\","
                        + "\"cron_expression\":\"0 3 * * *\",\"tenant_id\":\"umbrella\"}")
                .status())
        .isEqualTo(201);
    String chain = "iso-" + UUID.randomUUID().toString().substring(0, 8);
    admin.post("/jobs/chains", "{\"name\":\"" + chain + "\",\"steps\":[{\"job\":\"noop\"}]}");
    otherChainRun =
        admin
            .post("/jobs/chains/" + chain + "/run", "{\"tenant_id\":\"umbrella\"}")
            .body()
            .path("chain_run_id")
            .asText();
  }

  @Test
  void anotherTenantsRunDoesNotExistOnAnyRunRoute() {
    assertProblem(acme.get("/jobs/runs/" + otherRun), 404, null, null);
    assertProblem(acme.get("/jobs/runs/" + otherRun + "/logs"), 404, null, null);
    assertProblem(acme.get("/jobs/runs/" + otherRun + "/stream"), 404, null, null);
    assertProblem(acme.post("/jobs/runs/" + otherRun + "/cancel", null), 404, null, null);
    assertProblem(acme.post("/jobs/runs/" + otherRun + "/retry", null), 404, null, null);
    assertThat(acme.get("/jobs/runs?tenant=umbrella").body().path("runs").size()).isZero();
    assertThat(acme.get("/jobs/runs?limit=500").body().path("runs").toString())
        .doesNotContain(otherRun);
    // another tenant's statistics are nothing, not the token's own (found by review)
    String ownRun =
        admin.post("/jobs/run/noop", "{\"tenant_id\":\"acme\"}").body().path("run_id").asText();
    EndToEndTest.awaitRun(admin, ownRun, "completed");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> acme.get("/jobs/stats").body().path("stats").size() > 0);
    assertThat(acme.get("/jobs/stats?tenant=umbrella&by_tenant=true").body().path("stats").size())
        .isZero();
    assertThat(acme.get("/jobs/stats?tenant=umbrella").body().path("stats").size()).isZero();
    assertThat(acme.get("/jobs/audit?tenant=umbrella").body().path("entries").size()).isZero();
  }

  @Test
  void anotherTenantsScheduleDoesNotExistOnAnyScheduleRoute() {
    String path = "/jobs/schedules/" + otherSchedule;
    assertProblem(acme.get(path), 404, null, null);
    assertProblem(acmeAdmin.patch(path, "{\"description\":\"mine now\"}"), 404, null, null);
    assertProblem(acmeAdmin.delete(path), 404, null, null);
    assertProblem(acme.post(path + "/pause", null), 404, null, null);
    assertProblem(acme.post(path + "/resume", null), 404, null, null);
    assertProblem(acme.post(path + "/trigger", null), 404, null, null);
    assertThat(acme.get("/jobs/schedules").body().toString()).doesNotContain(otherSchedule);
    // found by review: a create under the other tenant's name replaced its schedule, now acme's
    assertProblem(
        acmeAdmin.post(
            "/jobs/schedules",
            "{\"job_name\":\""
                + otherSchedule
                + "\",\"job_type\":\"noop\",\"cron_expression\":\"0 4 * * *\"}"),
        409,
        "job_name",
        "taken");
    assertThat(admin.get(path).body().path("description").isMissingNode()).isTrue();
    assertThat(admin.get(path).body().path("tenant_id").asText()).isEqualTo("umbrella");
    assertThat(admin.get(path).body().path("cron_expression").asText()).isEqualTo("0 3 * * *");
  }

  @Test
  void anotherTenantsChainRunDoesNotExist() {
    assertProblem(acme.get("/jobs/chain-runs/" + otherChainRun), 404, null, null);
    assertProblem(
        acme.post("/jobs/chain-runs/" + otherChainRun + "/cancel", null), 404, null, null);
    assertThat(acme.get("/jobs/chain-runs?tenant=umbrella").body().toString())
        .doesNotContain(otherChainRun);
    assertThat(acme.get("/jobs/chain-runs").body().toString()).doesNotContain(otherChainRun);
  }

  @Test
  void writingForAnotherTenantIsA403NamingTheTenant() {
    assertProblem(
        acme.post("/jobs/run/noop", "{\"tenant_id\":\"umbrella\"}"), 403, "tenant_id", "acme");
    assertProblem(
        acmeAdmin.post(
            "/jobs/schedules",
            "{\"job_name\":\"steal-"
                + UUID.randomUUID()
                + "\",\"job_type\":\"noop\","
                + "\"cron_expression\":\"0 3 * * *\",\"tenant_id\":\"umbrella\"}"),
        403,
        "tenant_id",
        "acme");
    String chain = "iso2-" + UUID.randomUUID().toString().substring(0, 8);
    admin.post("/jobs/chains", "{\"name\":\"" + chain + "\",\"steps\":[{\"job\":\"noop\"}]}");
    assertProblem(
        acme.post("/jobs/chains/" + chain + "/run", "{\"tenant_id\":\"umbrella\"}"),
        403,
        "tenant_id",
        "acme");
    assertProblem(
        acmeAdmin.patch("/jobs/schedules/" + otherSchedule, "{\"tenant_id\":\"acme\"}"),
        404,
        null,
        null);
  }
}
