package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code jobline standalone} as a user runs it: its own JVM from the built distribution, stopped
 * with SIGTERM.
 */
class StandaloneProcessIT {
  private static final Path DIST = Path.of(System.getProperty("jobline.dist", "target"));

  @Test
  void sigtermStopsTheRolesThenKafkaAndTheStoreAndSaysWhatItWaitedForWithoutAStackTrace()
      throws Exception {
    Path logs = Files.createDirectories(DIST.resolve("it-logs"));
    Path out = logs.resolve("standalone-sigterm.out");
    Path err = logs.resolve("standalone-sigterm.err");
    int kafkaPort = freePairOfPorts();
    ProcessBuilder pb =
        new ProcessBuilder(
                List.of(
                    "java",
                    "-Xmx512m",
                    "-cp",
                    DIST.resolve("jobline.jar") + ":" + DIST.resolve("lib") + "/*",
                    "io.jobline.app.Main",
                    "standalone",
                    "--in-memory",
                    "--port",
                    "" + freePort(),
                    "--kafka-port",
                    "" + kafkaPort,
                    "--mongo-port",
                    "" + freePort()))
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
    pb.environment().put("JOBLINE_DEV_TOKEN", Http.TEST_TOKEN);
    Process standalone = pb.start();
    try {
      await("the banner")
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> Files.readString(out).contains("Stop with Ctrl-C") || !standalone.isAlive());
      String banner = Files.readString(out);
      assertThat(banner)
          .as(Files.readString(err))
          .containsPattern("served its first request \\d+\\.\\d s after the JVM started");
      assertThat(Files.readString(err))
          .containsPattern(
              "Started, from the JVM's start: configuration read \\d+\\.\\d s, .*"
                  + "first request served \\d+\\.\\d s");
      String api =
          banner
              .lines()
              .filter(l -> l.trim().startsWith("API"))
              .findFirst()
              .orElseThrow()
              .trim()
              .split("\\s+")[1];
      Http http = new Http(api);
      String runId =
          http.post("/jobs/run/sleep", "{\"tenant_id\":\"t1\",\"params\":{\"seconds\":30}}")
              .body()
              .path("run_id")
              .asText();
      await("the run starts")
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  "running".equals(http.get("/jobs/runs/" + runId).body().path("status").asText()));

      // a 30 s job is still running however late history shows it started (a 2 s one had ended by
      // then)
      standalone.destroy(); // SIGTERM

      assertThat(standalone.waitFor(60, TimeUnit.SECONDS)).as("stopped within 60 s").isTrue();
      String stderr = Files.readString(err);
      assertThat(stderr)
          .contains("jobline: stopping the API and the roles")
          .contains("Stopping the executor: waiting for 1 running job(s)")
          .contains("Stopped the executor in")
          .contains("Stopped history in")
          .containsPattern("jobline: API and roles stopped in \\d+\\.\\d s")
          .containsPattern("jobline: Kafka stopped in \\d+\\.\\d s, the store in \\d+\\.\\d s")
          .containsPattern("jobline: stopped in \\d+\\.\\d s");
      assertThat(stderr)
          .doesNotContain("Exception")
          .doesNotContain("Unable to destroy")
          .doesNotContain("\tat ");
    } finally {
      standalone.destroyForcibly();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** A free port whose next one is free too (Kafka's controller takes it). */
  private static int freePairOfPorts() throws IOException {
    for (int i = 0; i < 20; i++) {
      int port = freePort();
      try (ServerSocket next = new ServerSocket(port + 1)) {
        return port;
      } catch (IOException taken) {
        // try another
      }
    }
    throw new IOException("no two free ports in a row");
  }
}
