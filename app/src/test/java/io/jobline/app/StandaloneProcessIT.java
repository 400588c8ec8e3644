package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jobline.embedded.FreePorts;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jobline standalone} as a user runs it: its own JVM from the built distribution, stopped
 * with SIGTERM, or killed with SIGKILL on a data folder and started again.
 */
class StandaloneProcessIT {
  private static final Path DIST = Distribution.DIR;

  @Test
  void sigtermStopsTheRolesThenKafkaAndTheStoreAndSaysWhatItWaitedForWithoutAStackTrace()
      throws Exception {
    Path logs = Files.createDirectories(DIST.resolve("it-logs"));
    Path out = logs.resolve("standalone-sigterm.out");
    Path err = logs.resolve("standalone-sigterm.err");
    Process standalone = standalone(List.of("--in-memory"), logs.resolve("standalone-sigterm"));
    try {
      String api = api(standalone, logs.resolve("standalone-sigterm"));
      String banner = Files.readString(out);
      assertThat(banner)
          .as(Files.readString(err))
          .containsPattern("served its first request \\d+\\.\\d s after the JVM started");
      assertThat(Files.readString(err))
          .containsPattern(
              "Started, from the JVM's start: configuration read \\d+\\.\\d s, .*"
                  + "first request served \\d+\\.\\d s");
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

  @Test
  void killedWithSigkillOnADataFolderItKeepsEveryRunItShowedCompleted(@TempDir Path dataDir)
      throws Exception {
    Path logs = Files.createDirectories(DIST.resolve("it-logs"));
    List<String> ids = new ArrayList<>();
    Process first =
        standalone(List.of("--data-dir", dataDir.toString()), logs.resolve("standalone-kill-1"));
    try {
      Http http = new Http(api(first, logs.resolve("standalone-kill-1")));
      for (int i = 0; i < 40; i++) {
        ids.add(
            http.post("/jobs/run/noop", "{\"tenant_id\":\"t" + (i % 4) + "\",\"params\":{}}")
                .body()
                .path("run_id")
                .asText());
      }
      // the moment the API shows them all completed, the process is killed: what history wrote to
      // the store was acknowledged, and Kafka has, or is about to have, the commit of what it was
      // folded from (the store used to write its file about once a second, and lost the rest)
      await("all completed")
          .atMost(Duration.ofSeconds(60))
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(10))
          .until(() -> completed(http, ids) == ids.size());
      first.destroyForcibly(); // SIGKILL
      assertThat(first.waitFor(30, TimeUnit.SECONDS)).as("killed").isTrue();
    } finally {
      first.destroyForcibly();
    }

    Process second =
        standalone(List.of("--data-dir", dataDir.toString()), logs.resolve("standalone-kill-2"));
    try {
      Http http = new Http(api(second, logs.resolve("standalone-kill-2")));
      for (String id : ids) {
        EndToEndTest.awaitRun(http, id, "completed");
      }
      // and each once: the list of completed runs has every one of them a single time
      assertThat(completed(http, ids)).isEqualTo(ids.size());
    } finally {
      second.destroy();
      second.waitFor(60, TimeUnit.SECONDS);
      second.destroyForcibly();
    }
  }

  /** How many of the runs the list of completed runs has (one page: at most 500). */
  private static long completed(Http http, List<String> ids) {
    List<String> listed = new ArrayList<>();
    http.get("/jobs/runs?status=completed&limit=500")
        .body()
        .path("runs")
        .forEach(r -> listed.add(r.path("run_id").asText()));
    return listed.stream().filter(ids::contains).count();
  }

  /**
   * {@code jobline standalone} from the distribution, keeping its data as {@code storage} says
   * ({@code --in-memory}, or {@code --data-dir} and a folder), its output in {@code logs}.out and
   * .err.
   */
  private static Process standalone(List<String> storage, Path logs) throws IOException {
    List<String> command = Distribution.command("standalone");
    command.addAll(storage);
    command.addAll(
        List.of(
            "--port",
            "" + FreePorts.take(),
            "--kafka-port",
            "" + freePairOfPorts(),
            "--mongo-port",
            "" + FreePorts.take()));
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectOutput(Path.of(logs + ".out").toFile())
            .redirectError(Path.of(logs + ".err").toFile());
    pb.environment().put("JOBLINE_DEV_TOKEN", Http.TEST_TOKEN);
    return pb.start();
  }

  /** The API's address, from the banner once standalone is up. */
  private static String api(Process standalone, Path logs) throws IOException {
    Path out = Path.of(logs + ".out");
    await("the banner")
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> Files.readString(out).contains("Stop with Ctrl-C") || !standalone.isAlive());
    String banner = Files.readString(out);
    assertThat(standalone.isAlive()).as(banner + Files.readString(Path.of(logs + ".err"))).isTrue();
    return banner
        .lines()
        .filter(l -> l.trim().startsWith("API"))
        .findFirst()
        .orElseThrow()
        .trim()
        .split("\\s+")[1];
  }

  /** A free port whose next one is free too (Kafka's controller takes it). */
  private static int freePairOfPorts() throws IOException {
    for (int i = 0; i < 20; i++) {
      int port = FreePorts.take();
      try (ServerSocket next = new ServerSocket(port + 1)) {
        return port;
      } catch (IOException taken) {
        // try another
      }
    }
    throw new IOException("no two free ports in a row");
  }
}
