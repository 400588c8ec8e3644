package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobline.testkit.ShiftableClock;
import io.jobline.wire.RunId;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stops and starts standalone on the same data folder. The clock is shifted so that a minute
 * boundary is two seconds away, which lets a real "every minute" schedule fire quickly.
 */
class RestartAndScheduleTest {
  @TempDir Path dataDir;

  @Test
  void runsAndSchedulesSurviveARestartAndTheScheduleFiresOncePerBoundary() throws Exception {
    Instant boundary = Instant.now().plus(Duration.ofMinutes(5)).truncatedTo(ChronoUnit.MINUTES);
    String runId;
    Instant secondFire;
    ShiftableClock clock = new ShiftableClock();
    try (Standalone first =
        Standalone.start(
            Standalone.Options.ephemeral(dataDir)
                .withClock(clock)
                .withTweak(c -> c.auth.devToken = Http.TEST_TOKEN))) {
      clock.setNowTo(boundary, Duration.ofSeconds(2));
      Http http = new Http(first.apiUrl());
      Http.Reply created =
          http.post(
              "/jobs/schedules",
              "{\"job_name\":\"heartbeat\",\"job_type\":\"noop\",\"cron_expression\":\"*/1 * * * *\",\"tenant_id\":\"t1\"}");
      assertThat(created.status()).isEqualTo(201);
      assertThat(Instant.parse(created.body().path("next_run_at").asText())).isEqualTo(boundary);

      runId =
          http.post(
                  "/jobs/run/settlement",
                  "{\"tenant_id\":\"t1\",\"params\":{\"period\":\"2026-03\"}}")
              .body()
              .path("run_id")
              .asText();
      EndToEndTest.awaitRun(http, runId, "completed");

      JsonNode fired =
          EndToEndTest.awaitRun(
              http, RunId.forSchedule("heartbeat", boundary).value(), "completed");
      assertThat(fired.path("trigger").path("type").asText()).isEqualTo("schedule");
      assertThat(Instant.parse(fired.path("trigger").path("nominal_time").asText()))
          .isEqualTo(boundary);
      secondFire =
          Instant.parse(http.get("/jobs/schedules/heartbeat").body().path("next_run_at").asText());
      assertThat(secondFire).isEqualTo(boundary.plusSeconds(60));
      // the same boundary never fires twice: the schedule has moved on and the run id is derived
      assertThat(http.get("/jobs/schedules/heartbeat").body().path("last_run_at").asText())
          .isNotEmpty();
    }

    clock.setNowTo(secondFire, Duration.ofMinutes(5));
    try (Standalone second =
        Standalone.start(
            Standalone.Options.ephemeral(dataDir)
                .withClock(clock)
                .withTweak(c -> c.auth.devToken = Http.TEST_TOKEN))) {
      Http http = new Http(second.apiUrl());
      JsonNode earlier = http.get("/jobs/runs/" + runId).body();
      assertThat(earlier.path("status").asText()).isEqualTo("completed");
      assertThat(earlier.path("result").path("processed").asInt()).isEqualTo(100);
      assertThat(http.get("/jobs/schedules/heartbeat").body().path("cron_expression").asText())
          .isEqualTo("*/1 * * * *");

      assertThat(http.get("/jobs/runs/" + RunId.forSchedule("heartbeat", secondFire)).status())
          .isEqualTo(404);

      clock.setNowTo(secondFire, Duration.ofSeconds(2));
      EndToEndTest.awaitRun(http, RunId.forSchedule("heartbeat", secondFire).value(), "completed");
    }
  }
}
