package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Retries, cancellation and the catalogue through the whole pipeline, as a user drives them over
 * REST.
 */
class RunLifecycleTest {
  private static Http http;

  @BeforeAll
  static void start() {
    http = new Http(SharedStandalone.get().apiUrl());
  }

  @Test
  void aFailingRunIsRetriedByTheSchedulersTimerAndEachAttemptIsInItsHistory() {
    String runId =
        http.post("/jobs/run/flaky", "{\"params\":{\"failures\":2}}")
            .body()
            .path("run_id")
            .asText();

    JsonNode run = EndToEndTest.awaitRun(http, runId, "completed");
    assertThat(run.path("attempt").asInt()).isEqualTo(3);
    assertThat(run.path("result").path("calls").asInt()).isEqualTo(3);
    JsonNode attempts = run.path("attempts");
    assertThat(attempts.size()).isEqualTo(3);
    assertThat(attempts.get(0).path("status").asText()).isEqualTo("failed");
    assertThat(attempts.get(0).path("error").asText())
        .isEqualTo("IllegalStateException: failure number 1");
    assertThat(attempts.get(2).path("status").asText()).isEqualTo("completed");
    assertThat(run.path("trigger").path("type").asText()).isEqualTo("manual");
  }

  @Test
  void aRunThatExhaustsItsAttemptsEndsFailed() {
    String runId =
        http.post("/jobs/run/flaky", "{\"params\":{\"failures\":9},\"max_attempts\":2}")
            .body()
            .path("run_id")
            .asText();

    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              JsonNode r = http.get("/jobs/runs/" + runId).body();
              return r != null
                  && "failed".equals(r.path("status").asText())
                  && r.path("attempt").asInt() == 2;
            });
    JsonNode run = http.get("/jobs/runs/" + runId).body();
    assertThat(run.path("error").asText()).isEqualTo("IllegalStateException: failure number 2");
    assertThat(run.path("attempts").size()).isEqualTo(2);
  }

  @Test
  void cancellingARunningRunEndsItCancelledAndAnEndedRunCannotBeCancelled() {
    String runId =
        http.post("/jobs/run/sleep", "{\"params\":{\"seconds\":30}}")
            .body()
            .path("run_id")
            .asText();
    EndToEndTest.awaitRun(http, runId, "running");

    Http.Reply cancel = http.post("/jobs/runs/" + runId + "/cancel", null);
    assertThat(cancel.status()).isEqualTo(202);
    JsonNode run = EndToEndTest.awaitRun(http, runId, "cancelled");
    assertThat(run.path("error").asText()).isEqualTo("cancelled");

    Http.Reply again = http.post("/jobs/runs/" + runId + "/cancel", null);
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.contentType()).startsWith("application/problem+json");
    assertThat(http.post("/jobs/runs/no-such-run/cancel", null).status()).isEqualTo(404);
  }

  @Test
  void aCancelledRunRetriedRunsItsNextAttemptAndKeepsTheFirstAttemptsError() {
    String runId = http.post("/jobs/run/hold-first", "{}").body().path("run_id").asText();
    EndToEndTest.awaitRun(http, runId, "running");
    assertThat(http.post("/jobs/runs/" + runId + "/cancel", null).status()).isEqualTo(202);
    EndToEndTest.awaitRun(http, runId, "cancelled");

    Http.Reply retried = http.post("/jobs/runs/" + runId + "/retry", null);
    assertThat(retried.status()).isEqualTo(202);
    assertThat(retried.body().path("attempt").asInt()).isEqualTo(2);
    JsonNode run = EndToEndTest.awaitRun(http, runId, "completed");
    assertThat(run.path("result").path("calls").asInt()).isEqualTo(2);
    assertThat(run.path("attempts")).hasSize(2);
    assertThat(run.path("attempts").get(0).path("status").asText()).isEqualTo("cancelled");
    assertThat(run.path("attempts").get(0).path("error").asText()).isEqualTo("cancelled");
    assertThat(run.path("attempts").get(1).path("status").asText()).isEqualTo("completed");
  }

  @Test
  void theCatalogueShowsScopeRetriesAndTimeouts() {
    JsonNode flaky = http.get("/jobs/flaky").body();
    assertThat(flaky.path("retries").asInt()).isEqualTo(3);
    assertThat(flaky.path("timeout_seconds").asInt()).isEqualTo(30);
    assertThat(flaky.path("scope").asText()).isEqualTo("tenant");
    assertThat(flaky.path("per_tenant").asBoolean()).isFalse();
  }
}
