package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code GET /jobs/runs/{id}/stream} is live: each event as it happens, resumable, no thread per stream. */
class RunStreamTest {
  private static Http http;
  private static String base;

  @BeforeAll
  static void start() {
    base = SharedStandalone.get().apiUrl();
    http = new Http(base);
  }

  private static String submit(String job, String body) {
    return http.post("/jobs/run/" + job, body).body().path("run_id").asText();
  }

  @Test
  void theFirstProgressEventOfALongRunArrivesWithinTwoSecondsOfHappening() throws Exception {
    String id = submit("sleep", "{\"params\":{\"seconds\":20}}");
    Sse.Event progress;
    try (Sse stream = Sse.open(base, "/jobs/runs/" + id + "/stream", null)) {
      assertThat(stream.status).isEqualTo(200);
      assertThat(stream.contentType()).startsWith("text/event-stream");
      Sse.Event e;
      do {
        e = stream.next();
      } while (e != null && !"progress".equals(e.name()));
      progress = e;
    } finally {
      http.post("/jobs/runs/" + id + "/cancel", null);
    }
    assertThat(progress).as("a progress event before the run ended").isNotNull();
    Instant happened = Instant.parse(progress.data().path("timestamp").asText());
    Duration latency = Duration.between(happened, progress.receivedAt());
    System.out.println("first progress event of a 20 s sleep run read " + latency.toMillis() + " ms after it happened");
    assertThat(progress.data().path("percentage").asInt()).isBetween(1, 10);
    assertThat(latency).isLessThan(Duration.ofSeconds(2));
  }

  @Test
  void aStreamResumedWithLastEventIdRepeatsNothing() throws Exception {
    String id = submit("sleep", "{\"params\":{\"seconds\":3}}");
    List<Sse.Event> before = new ArrayList<>();
    try (Sse stream = Sse.open(base, "/jobs/runs/" + id + "/stream", null)) {
      Sse.Event e;
      do {
        e = stream.next();
        before.add(e);
      } while (e != null && !"progress".equals(e.name()));
    }
    assertThat(before).last().isNotNull();
    String lastId = before.get(before.size() - 1).id();
    assertThat(lastId).isNotBlank();

    List<Sse.Event> after = new ArrayList<>();
    try (Sse stream = Sse.open(base, "/jobs/runs/" + id + "/stream", lastId)) {
      for (Sse.Event e = stream.next(); e != null; e = stream.next()) {
        after.add(e);
      }
    }
    List<Integer> percentages = new ArrayList<>();
    List<String> statuses = new ArrayList<>();
    for (Sse.Event e : concat(before, after)) {
      if ("progress".equals(e.name())) {
        percentages.add(e.data().path("percentage").asInt());
      } else if ("status".equals(e.name())) {
        statuses.add(e.data().path("status").asText());
      }
    }
    assertThat(percentages).containsExactly(33, 66, 100);
    assertThat(statuses).doesNotHaveDuplicates().endsWith("completed");
    assertThat(after).last().extracting(Sse.Event::name).isEqualTo("end");
  }

  @Test
  void aLastEventIdThisApiDidNotSendIsABadRequestNamingIt() throws Exception {
    try (Sse stream = Sse.open(base, "/jobs/runs/whatever/stream", "yesterday")) {
      assertThat(stream.status).isEqualTo(400);
      assertThat(stream.contentType()).startsWith("application/problem+json");
      assertThat(io.jobline.wire.Json.mapper().readTree(stream.rest()).path("field").asText()).isEqualTo("Last-Event-ID");
    }
  }

  @Test
  void openStreamsHoldNoServerThreadAndFreeTheirSlotsWhenClientsGo() throws Exception {
    int threadsBefore = Thread.activeCount();
    List<Sse> streams = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      streams.add(Sse.open(base, "/jobs/runs/idle-" + System.nanoTime() + "/stream", null));
    }
    assertThat(streams).allSatisfy(s -> assertThat(s.status).isEqualTo(200));
    long inStreamCode = Thread.getAllStackTraces().values().stream()
        .filter(stack -> java.util.Arrays.stream(stack)
            .anyMatch(f -> f.getClassName().startsWith("io.jobline.api.RunsResource")))
        .count();
    assertThat(inStreamCode).as("threads inside the stream route").isZero();
    assertThat(Thread.activeCount() - threadsBefore).as("threads started for 8 open streams").isLessThan(8);

    for (Sse s : streams) {
      s.close();
    }
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
        .until(() -> openStreamsGauge() == 0);
  }

  private static double openStreamsGauge() {
    return SharedStandalone.get().environment().metrics().getGauges().get("jobline.api.open_streams").getValue()
        instanceof Number n ? n.doubleValue() : -1;
  }

  private static List<Sse.Event> concat(List<Sse.Event> a, List<Sse.Event> b) {
    List<Sse.Event> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}
