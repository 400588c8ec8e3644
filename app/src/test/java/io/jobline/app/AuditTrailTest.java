package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Who did what through the api is kept by history and can be asked for, newest first, per tenant.
 */
class AuditTrailTest {
  private static String base;
  private static Http admin;

  @BeforeAll
  static void start() {
    base = SharedStandalone.get().apiUrl();
    admin = new Http(base);
  }

  private static List<String> actions(String query) {
    List<String> out = new ArrayList<>();
    admin
        .get("/jobs/audit?" + query)
        .body()
        .path("entries")
        .forEach(e -> out.add(e.path("action").asText() + " by " + e.path("actor").asText()));
    return out;
  }

  @Test
  void scheduleChangesAreKeptWithWhoMadeThem() {
    String name = "audited-" + UUID.randomUUID();
    Http acmeAdmin = new Http(base, "acme-admin-key");
    assertThat(
            acmeAdmin
                .post(
                    "/jobs/schedules",
                    "{\"job_name\":\""
                        + name
                        + "\",\"job_type\":\"noop\","
                        + "\"cron_expression\":\"0 3 * * *\"}")
                .status())
        .isEqualTo(201);
    assertThat(acmeAdmin.patch("/jobs/schedules/" + name, "{\"description\":\"nightly\"}").status())
        .isEqualTo(200);
    assertThat(
            new Http(base, "acme-key").post("/jobs/schedules/" + name + "/trigger", null).status())
        .isEqualTo(202);
    assertThat(acmeAdmin.delete("/jobs/schedules/" + name).status()).isEqualTo(204);

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> actions("target_type=schedule&target=" + name).size() == 4);
    assertThat(actions("target_type=schedule&target=" + name))
        .containsExactly(
            "delete by acme-admin",
            "trigger by acme-operator",
            "change by acme-admin",
            "create by acme-admin");
    JsonNode change =
        admin.get("/jobs/audit?target=" + name + "&action=change").body().path("entries").get(0);
    assertThat(change.path("tenant_id").asText()).isEqualTo("acme");
    assertThat(change.path("actor_role").asText()).isEqualTo("admin");
    assertThat(change.path("details").path("description").asText()).isEqualTo("nightly");
    assertThat(
            new Http(base, "acme-key")
                .get("/jobs/audit?target=" + name)
                .body()
                .path("entries")
                .size())
        .isEqualTo(4);
  }

  @Test
  void cancelAndRetryOfARunAreKeptAndTheRunSaysWhoRequestedIt() {
    Http operator = new Http(base, "operator-key");
    String runId =
        operator
            .post("/jobs/run/hold-first", "{\"tenant_id\":\"audit-t\"}")
            .body()
            .path("run_id")
            .asText();
    EndToEndTest.awaitRun(admin, runId, "running");
    assertThat(operator.post("/jobs/runs/" + runId + "/cancel", null).status()).isEqualTo(202);
    EndToEndTest.awaitRun(admin, runId, "cancelled");
    assertThat(admin.post("/jobs/runs/" + runId + "/retry", null).status()).isEqualTo(202);
    JsonNode run = EndToEndTest.awaitRun(admin, runId, "completed");
    assertThat(run.path("trigger").path("type").asText()).isEqualTo("manual");

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> actions("target_type=run&target=" + runId).size() == 2);
    assertThat(actions("target_type=run&target=" + runId))
        .containsExactly("retry by development", "cancel by operator");
    assertThat(
            new Http(base, "acme-key")
                .get("/jobs/audit?target=" + runId)
                .body()
                .path("entries")
                .size())
        .as("another tenant's trail")
        .isZero();
  }
}
