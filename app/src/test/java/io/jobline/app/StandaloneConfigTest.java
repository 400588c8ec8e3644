package io.jobline.app;

import static io.jobline.app.HostileInputTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jobline.api.auth.Authenticator;
import io.jobline.topic.Topics;
import io.jobline.wire.WireLimits;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code standalone --config FILE}: the same auth and limit settings as the roles, laid over the
 * standalone defaults; and the limits themselves — writes per token, live streams per token and in
 * all, and the depth of the values a run carries.
 */
class StandaloneConfigTest {
  private static Standalone standalone;
  private static String base;

  @BeforeAll
  static void start() throws Exception {
    Path config = Files.createTempFile("standalone-overlay", ".yml");
    Files.writeString(
        config,
        """
        auth:
          apiKeys:
            - {name: ops, sha256: "%s", role: operator}
            - {name: eyes, sha256: "%s", role: viewer}
            - {name: deep, sha256: "%s", role: operator}
        api:
          limits: {writesPerSecond: 1, writeBurst: 3, streamsPerToken: 2, streams: 3}
          streamHeartbeat: 1s
        limits:
          maxDepth: 4
        """
            .formatted(
                Authenticator.hash("ops-key"),
                Authenticator.hash("eyes-key"),
                Authenticator.hash("deep-key")));
    standalone =
        Standalone.start(
            Standalone.Options.ephemeral(null)
                .withConfig(config)
                .withTweak(c -> c.jobs.packages = List.of("io.jobline.examples")));
    base = standalone.apiUrl();
  }

  @AfterAll
  static void stop() throws Exception {
    if (standalone != null) {
      standalone.close();
    }
    WireLimits.setMaxDepth(
        WireLimits
            .DEFAULT_MAX_DEPTH); // the setting is the process's; the next class gets the default
  }

  private static String nested(int depth) {
    return "{\"a\":".repeat(depth - 1) + "{}" + "}".repeat(depth - 1);
  }

  @Test
  void theConfiguredDepthLimitHoldsOverRestAndOnTheTopic() {
    Http deep = new Http(base, "deep-key");
    Http.Reply refused = deep.post("/jobs/run/noop", "{\"params\":{\"x\":" + nested(4) + "}}");
    assertProblem(refused, 400, "params", "at most 4");
    String within =
        deep.post("/jobs/run/noop", "{\"params\":" + nested(4) + "}")
            .body()
            .path("run_id")
            .asText();
    assertThat(
            EndToEndTest.awaitRun(deep, within, "completed")
                .path("params")
                .path("a")
                .path("a")
                .path("a")
                .isObject())
        .isTrue();

    String beyond = UUID.randomUUID().toString();
    try (var producer =
        new KafkaProducer<>(
            standalone.config().kafka.clientProperties(),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      producer.send(
          new ProducerRecord<>(
              Topics.REQUESTS.name(),
              "t-deep".getBytes(StandardCharsets.UTF_8),
              ("{\"run_id\":\""
                      + beyond
                      + "\",\"job_name\":\"noop\",\"tenant_id\":\"t-deep\",\"params\":"
                      + nested(5)
                      + "}")
                  .getBytes(StandardCharsets.UTF_8)));
      producer.flush();
    }
    assertThat(EndToEndTest.awaitRun(deep, beyond, "failed").path("error").asText())
        .contains("at most 4");
  }

  @Test
  void aDepthLimitOutsideOneToSixtyFourFailsAtBootNamingTheKey() throws Exception {
    for (String depth : List.of("0", "65")) {
      Path bad = Files.createTempFile("bad-depth", ".yml");
      Files.writeString(bad, "limits:\n  maxDepth: " + depth + "\n");
      assertThatThrownBy(() -> Launcher.loadOverlaid("jobline-standalone.yml", bad))
          .hasMessageContaining("limits.maxDepth");
    }
    assertThatThrownBy(() -> WireLimits.setMaxDepth(65)).hasMessageContaining("limits.maxDepth");
  }

  @Test
  void theOverlaysKeysAuthenticateAndNoDevelopmentTokenIsMadeUp() {
    assertThat(standalone.devToken()).isNull();
    assertThat(new Http(base, "eyes-key").get("/jobs").status()).isEqualTo(200);
    assertProblem(new Http(base, Http.TEST_TOKEN).get("/jobs"), 401, null, null);
    assertProblem(new Http(base, null).get("/jobs"), 401, null, null);
  }

  @Test
  void writesPastTheTokensBurstAre429WithRetryAfter() throws Exception {
    Http ops = new Http(base, "ops-key");
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      statuses.add(ops.post("/jobs/cron/preview", "{\"cron_expression\":\"* * * * *\"}").status());
    }
    assertThat(statuses).contains(429);
    assertThat(statuses.subList(0, 3)).containsOnly(200);
    HttpResponse<String> refused =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(base + "/jobs/run/noop"))
                    .header("Authorization", "Bearer ops-key")
                    .POST(HttpRequest.BodyPublishers.ofString("{}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.headers().firstValue("Retry-After")).isPresent();
    assertThat(refused.body()).contains("'ops'").contains("per second");
    assertThat(new Http(base, "eyes-key").get("/jobs/runs").status())
        .as("reads are not limited")
        .isEqualTo(200);
  }

  @Test
  void liveStreamsAreCappedPerTokenAndInAllAndASlotIsFreedWhenTheClientGoes() throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    List<InputStream> open = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      open.add(stream(client, "eyes-key").body());
    }
    assertThat(stream(client, "eyes-key").statusCode())
        .as("third stream of one token")
        .isEqualTo(429);
    InputStream third = stream(client, "ops-key").body();
    assertThat(stream(client, "ops-key").statusCode()).as("fourth stream in all").isEqualTo(429);

    open.get(0).close(); // the client goes away: its slot comes back
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              HttpResponse<InputStream> again = stream(client, "eyes-key");
              if (again.statusCode() == 200) {
                open.add(again.body());
                return true;
              }
              return false;
            });
    for (InputStream in : open) {
      in.close();
    }
    third.close();
  }

  @Test
  void anIdleStreamGetsAHeartbeatCommentEveryStreamHeartbeat() throws Exception {
    // the caps test may still be giving this token's slots back
    List<HttpResponse<InputStream>> opened = new ArrayList<>();
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              HttpResponse<InputStream> r = stream(HttpClient.newHttpClient(), "ops-key");
              if (r.statusCode() == 200) {
                opened.add(r);
              }
              return !opened.isEmpty();
            });
    HttpResponse<InputStream> idle = opened.get(0);
    long t0 = System.nanoTime();
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(idle.body(), StandardCharsets.UTF_8))) {
      String line;
      do {
        line = in.readLine();
      } while (line != null && !line.equals(": heartbeat"));
      assertThat(line).isEqualTo(": heartbeat");
    }
    assertThat(Duration.ofNanos(System.nanoTime() - t0))
        .isBetween(Duration.ofMillis(500), Duration.ofSeconds(5));
  }

  private static HttpResponse<InputStream> stream(HttpClient client, String key) throws Exception {
    return client.send(
        HttpRequest.newBuilder(
                URI.create(base + "/jobs/runs/never-" + System.nanoTime() + "/stream"))
            .header("Authorization", "Bearer " + key)
            .build(),
        HttpResponse.BodyHandlers.ofInputStream());
  }
}
