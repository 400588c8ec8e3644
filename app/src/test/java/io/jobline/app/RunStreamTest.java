package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jobline.wire.Json;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /jobs/runs/{id}/stream} is live: each event as it happens, resumable, no thread per
 * stream.
 */
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
    System.out.println(
        "first progress event of a 20 s sleep run read "
            + latency.toMillis()
            + " ms after it happened");
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
      assertThat(Json.mapper().readTree(stream.rest()).path("field").asText())
          .isEqualTo("Last-Event-ID");
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
    // The client sees its 200 as soon as the stream's first line is written, while the request's
    // thread is still returning from the route; a thread held per stream would never leave it.
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(50))
        .untilAsserted(
            () ->
                assertThat(threadsInStreamRoute()).as("threads inside the stream route").isZero());
    assertThat(Thread.activeCount() - threadsBefore)
        .as("threads started for 8 open streams")
        .isLessThan(8);

    for (Sse s : streams) {
      s.close();
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> openStreamsGauge() == 0);
  }

  private static long threadsInStreamRoute() {
    return Thread.getAllStackTraces().values().stream()
        .filter(
            stack ->
                Arrays.stream(stack)
                    .anyMatch(f -> f.getClassName().startsWith("io.jobline.api.RunsResource")))
        .count();
  }

  @Test
  void aClientThatStopsReadingHoldsUpNoOtherStreamAndIsCutOffFreeingItsSlot() throws Exception {
    // On loopback the kernel lets a socket hold megabytes, so a stopped reader would take long to
    // fill it; a small send buffer on the api's side, as over a slow link, makes a few hundred KB
    // fill it.
    ServerConnector connector =
        (ServerConnector)
            SharedStandalone.get()
                .environment()
                .getApplicationContext()
                .getServer()
                .getConnectors()[0];
    int sendBuffer = connector.getAcceptedSendBufferSize();
    connector.setAcceptedSendBufferSize(16 * 1024);
    // (240 KB of log text: a run keeps at most 256 Ki characters of it, RunFold.MAX_LOG_CHARS)
    String chatty = submit("chatty", "{\"params\":{\"lines\":600,\"size\":400}}");
    try (Socket stuck = new Socket()) {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  http.get("/jobs/runs/" + chatty + "/logs?limit=1").body().path("total").asInt()
                      >= 600);
      double before = openStreamsGauge();
      stuck.setReceiveBufferSize(1024);
      stuck.connect(new InetSocketAddress("localhost", SharedStandalone.get().apiPort()));
      stuck
          .getOutputStream()
          .write(
              ("GET /jobs/runs/"
                      + chatty
                      + "/stream HTTP/1.1\r\nHost: localhost\r\n"
                      + "Authorization: Bearer "
                      + Http.TEST_TOKEN
                      + "\r\nAccept: text/event-stream\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      long opened = System.nanoTime();
      await().atMost(Duration.ofSeconds(10)).until(() -> openStreamsGauge() == before + 1);
      // a second client follows another run meanwhile: every event reaches it as it happens
      String sleeper = submit("sleep", "{\"params\":{\"seconds\":6}}");
      List<Sse.Event> events =
          CompletableFuture.supplyAsync(
                  () -> {
                    List<Sse.Event> read = new ArrayList<>();
                    try (Sse stream = Sse.open(base, "/jobs/runs/" + sleeper + "/stream", null)) {
                      for (Sse.Event e = stream.next(); e != null; e = stream.next()) {
                        read.add(e);
                      }
                    } catch (Exception e) {
                      throw new IllegalStateException(e);
                    }
                    return read;
                  })
              .get(60, TimeUnit.SECONDS);
      List<Duration> latencies =
          events.stream()
              .filter(e -> "progress".equals(e.name()))
              .map(
                  e ->
                      Duration.between(
                          Instant.parse(e.data().path("timestamp").asText()), e.receivedAt()))
              .toList();
      System.out.println(
          "while a client read nothing, another's progress events came "
              + latencies.stream().map(d -> d.toMillis() + " ms").toList()
              + " after they happened");
      assertThat(latencies)
          .hasSize(6)
          .allSatisfy(d -> assertThat(d).isLessThan(Duration.ofSeconds(2)));
      assertThat(events).last().extracting(Sse.Event::name).isEqualTo("end");

      // the client that reads nothing has been cut off (api.streamStall is 3 s here): its slot is
      // free, well before Jetty's idle timeout (30 s) would have failed its write
      Duration sinceOpened = Duration.ofNanos(System.nanoTime() - opened);
      await()
          .atMost(Duration.ofSeconds(20).minus(sinceOpened))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> openStreamsGauge() == before);
      System.out.println(
          "a client that read nothing had its slot back "
              + (System.nanoTime() - opened) / 1_000_000
              + " ms after it opened its stream (api.streamStall = "
              + SharedStandalone.get().config().api.streamStall
              + ")");
      // and its connection is closed: read now, it ends (a read that waits 10 s fails the test)
      stuck.setSoTimeout(10_000);
      long t0 = System.nanoTime();
      String text = new String(stuck.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      System.out.println(
          "its connection, read then, ended after "
              + text.length()
              + " bytes, "
              + (System.nanoTime() - t0) / 1_000_000
              + " ms later");
      assertThat(text)
          .startsWith("HTTP/1.1 200")
          .contains("event: log")
          .doesNotContain("event: end");
    } finally {
      connector.setAcceptedSendBufferSize(sendBuffer);
      http.post("/jobs/runs/" + chatty + "/cancel", null);
    }
  }

  private static double openStreamsGauge() {
    return SharedStandalone.get()
                .environment()
                .metrics()
                .getGauges()
                .get("jobline.api.open_streams")
                .getValue()
            instanceof Number n
        ? n.doubleValue()
        : -1;
  }

  private static List<Sse.Event> concat(List<Sse.Event> a, List<Sse.Event> b) {
    List<Sse.Event> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}
