package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.wire.RunId;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The schedules REST surface as a user drives it. */
class SchedulesApiTest {
  private static Http http;
  private static String base;

  @BeforeAll
  static void start() {
    base = SharedStandalone.get().apiUrl();
    http = new Http(base);
  }

  private static JsonNode patch(String path, String body) {
    Http.Reply r = http.patch(path, body);
    ((ObjectNode) r.body()).put("_status", r.status());
    return r.body();
  }

  @Test
  void aScheduleResponseSaysWhatTheExpressionMeansAndWhenItFires() {
    Http.Reply created =
        http.post(
            "/jobs/schedules",
            "{\"job_name\":\"weekday-report\",\"job_type\":\"noop\","
                + "\"cron_expression\":\"0 9 * * 0-4\",\"timezone\":\"Europe/Stockholm\"}");
    assertThat(created.status()).isEqualTo(201);
    JsonNode s = created.body();
    assertThat(s.path("description_of_trigger").asText())
        .isEqualTo(
            "At 09:00, on Monday through Friday (Europe/Stockholm time; day-of-week 0 = Monday … 6 = Sunday)");
    assertThat(s.path("next_fire_times").size()).isEqualTo(5);
    assertThat(s.path("next_fire_times").get(0).asText()).endsWith("T09:00+01:00");
    assertThat(s.path("misfire_policy").isMissingNode() || s.path("misfire_policy").isNull())
        .isTrue();
  }

  @Test
  void patchingTheCronMovesTheNextFireAndPauseResumeAndDeleteWork() throws Exception {
    http.post(
        "/jobs/schedules",
        "{\"job_name\":\"patched\",\"job_type\":\"noop\",\"cron_expression\":\"0 3 * * *\",\"timezone\":\"UTC\"}");
    JsonNode patched = patch("/jobs/schedules/patched", "{\"cron_expression\":\"15 4 * * *\"}");
    assertThat(patched.path("_status").asInt()).isEqualTo(200);
    assertThat(patched.path("next_run_at").asText()).endsWith("T04:15:00Z");

    JsonNode bad = patch("/jobs/schedules/patched", "{\"cron_expression\":\"15 25 * * *\"}");
    assertThat(bad.path("_status").asInt()).isEqualTo(400);
    assertThat(bad.path("field").asText()).isEqualTo("cron_expression");
    assertThat(bad.path("detail").asText()).contains("hour value 25");
    assertThat(
            patch("/jobs/schedules/patched", "{\"next_run_at\":\"2030-01-01T00:00:00Z\"}")
                .path("field")
                .asText())
        .isEqualTo("next_run_at");

    JsonNode paused = http.post("/jobs/schedules/patched/pause", null).body();
    assertThat(paused.path("paused").asBoolean()).isTrue();
    assertThat(paused.path("next_fire_times")).as("a paused schedule fires nothing").isEmpty();
    JsonNode resumed = http.post("/jobs/schedules/patched/resume", null).body();
    assertThat(resumed.path("paused").asBoolean()).isFalse();
    assertThat(resumed.path("next_fire_times")).hasSize(5);

    assertThat(http.get("/jobs/schedules/patched").status()).isEqualTo(200);
    var delete = http.delete("/jobs/schedules/patched");
    assertThat(delete.status()).isEqualTo(204);
    assertThat(http.get("/jobs/schedules/patched").status()).isEqualTo(404);
  }

  @Test
  void triggerRunsTheSchedulesJobNow() {
    http.post(
        "/jobs/schedules",
        "{\"job_name\":\"on-demand\",\"job_type\":\"settlement\",\"cron_expression\":\"0 0 1 1 *\","
            + "\"parameters\":{\"period\":\"2026-01\"},\"tenant_id\":\"t9\"}");
    Http.Reply triggered = http.post("/jobs/schedules/on-demand/trigger", null);
    assertThat(triggered.status()).isEqualTo(202);
    JsonNode run =
        EndToEndTest.awaitRun(http, triggered.body().path("run_id").asText(), "completed");
    assertThat(run.path("result").path("period").asText()).isEqualTo("2026-01");
    assertThat(run.path("tenant_id").asText()).isEqualTo("t9");
    assertThat(run.path("trigger").path("schedule").asText()).isEqualTo("on-demand");
  }

  @Test
  void checkSchedulesFiresWhatIsDueAndReturnsTheRuns() {
    Instant soon = Instant.now().plusSeconds(1).truncatedTo(ChronoUnit.MILLIS);
    http.post(
        "/jobs/schedules",
        "{\"job_name\":\"one-off-check\",\"job_type\":\"noop\",\"trigger_type\":\"once\","
            + "\"run_at\":\""
            + soon
            + "\",\"misfire_grace_seconds\":600}");
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(soon));
    Http.Reply checked = http.post("/jobs/check-schedules", null);
    assertThat(checked.status()).isEqualTo(200);
    // the running scheduler may have fired it first; either way the one-off ran once
    List<String> ids = new ArrayList<>();
    checked.body().path("triggered").forEach(t -> ids.add(t.path("run_id").asText()));
    String runId = RunId.forSchedule("one-off-check", soon).value();
    assertThat(ids).allMatch(runId::equals);
    EndToEndTest.awaitRun(http, runId, "completed");
    assertThat(http.get("/jobs/schedules/one-off-check").body().path("next_run_at").isMissingNode())
        .isTrue();
  }

  @Test
  void lastRunStatusFollowsTheFiredRunToItsEnd() {
    Instant at = Instant.now().plusSeconds(1).truncatedTo(ChronoUnit.MILLIS);
    http.post(
        "/jobs/schedules",
        "{\"job_name\":\"followed\",\"job_type\":\"settlement\",\"trigger_type\":\"once\","
            + "\"run_at\":\""
            + at
            + "\",\"parameters\":{\"period\":\"2026-05\"},\"tenant_id\":\"t-last\"}");
    String runId = RunId.forSchedule("followed", at).value();

    EndToEndTest.awaitRun(http, runId, "completed");

    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              JsonNode shown = http.get("/jobs/schedules/followed").body();
              assertThat(shown.path("last_run_id").asText()).isEqualTo(runId);
              assertThat(shown.path("last_run_status").asText()).isEqualTo("completed");
            });
    JsonNode listed =
        StreamSupport.stream(http.get("/jobs/schedules").body().spliterator(), false)
            .filter(s -> s.path("job_name").asText().equals("followed"))
            .findFirst()
            .orElseThrow();
    assertThat(listed.path("last_run_status").asText()).isEqualTo("completed");
  }

  @Test
  void lastRunStatusIsMissedWhenTheLastFireRanNothing() {
    Instant at = Instant.now().plusSeconds(1).truncatedTo(ChronoUnit.MILLIS);
    // every second, a job of thirty: the fires after the first find it still running (overlap:
    // skip)
    http.post(
        "/jobs/schedules",
        "{\"job_name\":\"overlapping\",\"job_type\":\"sleep\",\"trigger_type\":\"interval\","
            + "\"interval_seconds\":1,\"run_at\":\""
            + at
            + "\",\"parameters\":{\"seconds\":30},\"tenant_id\":\"t-last\"}");
    String first = RunId.forSchedule("overlapping", at).value();
    try {
      EndToEndTest.awaitRun(http, first, "running");
      Awaitility.await()
          .atMost(Duration.ofSeconds(15))
          .until(
              () ->
                  "missed"
                      .equals(
                          http.get("/jobs/schedules/overlapping")
                              .body()
                              .path("last_run_status")
                              .asText()));

      JsonNode shown = http.post("/jobs/schedules/overlapping/pause", null).body();
      assertThat(shown.path("last_run_id").asText()).isEqualTo(first);
      assertThat(shown.path("last_run_status").asText())
          .as("the last fire ran nothing, whatever its predecessor does")
          .isEqualTo("missed");
      assertThat(http.get("/jobs/runs/" + first).body().path("status").asText())
          .isEqualTo("running");
    } finally {
      http.delete("/jobs/schedules/overlapping");
      http.post("/jobs/runs/" + first + "/cancel", null);
    }
  }

  @Test
  void previewListsFireTimesWithOffsetsAndFlagsDstInstants() {
    Http.Reply p =
        http.post(
            "/jobs/cron/preview",
            "{\"cron_expression\":\"30 2 * * *\",\"timezone\":\"Europe/Stockholm\","
                + "\"count\":3,\"from\":\"2026-03-28T00:00:00Z\"}");
    assertThat(p.status()).isEqualTo(200);
    assertThat(p.body().path("fire_times").get(0).path("at").asText())
        .isEqualTo("2026-03-28T02:30+01:00");
    assertThat(p.body().path("fire_times").get(1).path("utc").asText())
        .isEqualTo("2026-03-30T00:30:00Z");
    assertThat(p.body().path("dst_notes").get(0).path("kind").asText()).isEqualTo("skipped");

    Http.Reply fallBack =
        http.post(
            "/jobs/cron/preview",
            "{\"cron_expression\":\"30 2 * * *\",\"timezone\":\"Europe/Stockholm\","
                + "\"count\":1,\"from\":\"2026-10-24T12:00:00Z\"}");
    assertThat(fallBack.body().path("fire_times").get(0).path("dst").asText())
        .isEqualTo("deduplicated");

    Http.Reply bad =
        http.post(
            "/jobs/cron/preview",
            "{\"cron_expression\":\"* * * * *\",\"timezone\":\"Nowhere/Land\"}");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.body().path("field").asText()).isEqualTo("timezone");
  }

  @Test
  void previewNotesWhatTheNextYearsDstTransitionsDoBeyondTheFiresListed() {
    Http.Reply p =
        http.post(
            "/jobs/cron/preview",
            "{\"cron_expression\":\"30 2 * * *\",\"timezone\":\"Europe/Berlin\","
                + "\"count\":6,\"from\":\"2026-12-01T00:00:00Z\"}");
    assertThat(p.body().path("fire_times")).hasSize(6);
    assertThat(p.body().path("dst_notes").findValuesAsText("local_time"))
        .containsExactly("2027-03-28T02:30", "2027-10-31T02:30");
    assertThat(p.body().path("dst_notes").findValuesAsText("kind"))
        .containsExactly("skipped", "deduplicated");

    Http.Reply everyQuarter =
        http.post(
            "/jobs/cron/preview",
            "{\"cron_expression\":\"*/15 * * * *\","
                + "\"timezone\":\"Europe/Berlin\",\"count\":3,\"from\":\"2026-12-01T00:00:00Z\"}");
    assertThat(everyQuarter.body().path("dst_notes").findValuesAsText("local_time"))
        .startsWith(
            "2027-03-28T02:00",
            "2027-03-28T02:15",
            "2027-03-28T02:30",
            "2027-03-28T02:45",
            "2027-10-31T02:00")
        .hasSize(8);
  }

  @Test
  void intervalAndOnceTriggersAreValidatedNamingTheField() {
    Http.Reply noInterval =
        http.post(
            "/jobs/schedules",
            "{\"job_name\":\"x\",\"job_type\":\"noop\",\"trigger_type\":\"interval\"}");
    assertThat(noInterval.status()).isEqualTo(400);
    assertThat(noInterval.body().path("field").asText()).isEqualTo("interval_seconds");
    Http.Reply noRunAt =
        http.post(
            "/jobs/schedules",
            "{\"job_name\":\"x\",\"job_type\":\"noop\",\"trigger_type\":\"once\"}");
    assertThat(noRunAt.body().path("field").asText()).isEqualTo("run_at");
    Http.Reply badKind =
        http.post(
            "/jobs/schedules",
            "{\"job_name\":\"x\",\"job_type\":\"noop\",\"trigger_type\":\"sometimes\"}");
    assertThat(badKind.status()).isEqualTo(400);
  }

  @Test
  void theBuiltInCalculateNextSchedulesJobRunsThroughThePipeline() {
    String runId =
        http.post("/jobs/run/calculate_next_schedules", "{}").body().path("run_id").asText();
    JsonNode run = EndToEndTest.awaitRun(http, runId, "completed");
    assertThat(run.path("result").path("checked").asInt()).isGreaterThanOrEqualTo(0);
    assertThat(run.path("result").has("fixed")).isTrue();
    assertThat(http.get("/jobs/calculate_next_schedules").body().path("scope").asText())
        .isEqualTo("system");
  }
}
