package io.jobline.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.run.Attempt;
import io.jobline.run.RunStatus;
import io.jobline.store.InMemoryRunStore;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What {@code GET /jobs/runs/{id}/stream} answers a client that resumes with Last-Event-ID. */
class RunStreamResumeTest {
  private final InMemoryRunStore runs = new InMemoryRunStore(Clock.systemUTC());
  private final AcceptedRuns accepted = new AcceptedRuns((id, caller) -> Optional.empty());
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private RunStreams streams;
  private ApiServer server;

  @BeforeEach
  void serve() throws Exception {
    streams =
        new RunStreams(
            runs,
            accepted::kept,
            accepted::fresher,
            new ApiLimits(),
            new RunStreams.Timing(
                Duration.ofMillis(50),
                Duration.ofSeconds(1),
                Duration.ofSeconds(15),
                Duration.ofSeconds(30),
                Duration.ofHours(6),
                Duration.ofSeconds(20)),
            scheduler);
    server =
        ApiServer.serving(
            new RunsResource(
                runs,
                null,
                null,
                null,
                null,
                null,
                streams,
                null,
                accepted,
                null,
                null,
                Clock.systemUTC()));
  }

  @AfterEach
  void stop() throws Exception {
    streams.close();
    server.close();
    scheduler.shutdownNow();
  }

  @Test
  void resumingFromTheEndOfAnEndedRunIs204SoTheClientStopsReconnecting() throws Exception {
    // found by review: the stream answered 200 and sent the end again, and an EventSource
    // reconnected every 2 s for ever
    runs.upsertAll(List.of(ApiRuns.run("r1", "t1", RunStatus.COMPLETED, 6, 1, List.of())));

    HttpResponse<InputStream> atTheEnd = stream("6:completed");

    assertThat(atTheEnd.statusCode()).isEqualTo(204);
  }

  @Test
  void resumingBeforeTheEndStreamsWhatIsLeftThenTheEnd() throws Exception {
    runs.upsertAll(List.of(ApiRuns.run("r1", "t1", RunStatus.COMPLETED, 6, 1, List.of())));

    HttpResponse<InputStream> before = stream("6:running");

    assertThat(before.statusCode()).isEqualTo(200);
    assertThat(body(before)).contains("id: 6:completed\nevent: status").contains("event: end");
  }

  @Test
  void resumingFromAnAttemptThatFailedWithARetryToComeStreamsOn() throws Exception {
    Attempt failed =
        new Attempt(
            1,
            1,
            "executor-1",
            Instant.EPOCH,
            Instant.EPOCH.plusSeconds(9),
            RunStatus.FAILED,
            "boom",
            Instant.EPOCH.plusSeconds(20));
    runs.upsertAll(List.of(ApiRuns.run("r1", "t1", RunStatus.FAILED, 0, 1, List.of(failed))));

    HttpResponse<InputStream> waiting = stream("0:failed");

    assertThat(waiting.statusCode()).isEqualTo(200);
    waiting.body().close();
  }

  @Test
  void anIdCountingMoreLinesThanAnEndedRunHasIsTakenAsItsEnd() throws Exception {
    // (a client whose run's log shrank, a history rebuilt past the topics' retention, has it all)
    runs.upsertAll(List.of(ApiRuns.run("r1", "t1", RunStatus.COMPLETED, 6, 1, List.of())));

    HttpResponse<InputStream> past = stream("7:completed");

    assertThat(past.statusCode()).isEqualTo(204);
  }

  private HttpResponse<InputStream> stream(String lastEventId) throws Exception {
    return server.get("/jobs/runs/r1/stream", "Last-Event-ID", lastEventId);
  }

  private static String body(HttpResponse<InputStream> response) throws Exception {
    try (InputStream in = response.body()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
