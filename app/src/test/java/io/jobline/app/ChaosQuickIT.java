package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobline.wire.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfEnvironmentVariable;

/**
 * {@code jobline chaos --quick}, as a user runs it: a whole installation in separate processes (3
 * brokers, the store, every role twice), every fault injected under load, and the checker's verdict
 * read from the report. Every count must be zero for every fault. Part of {@code mvn verify} and so
 * of CI (about 7 minutes); {@code JOBLINE_CHAOS=0} leaves it out of a local build.
 */
@DisabledIfEnvironmentVariable(named = "JOBLINE_CHAOS", matches = "0")
class ChaosQuickIT {
  private static final Path DIST = Distribution.DIR;

  @Test
  void underEveryFaultNothingIsLostRunTwiceOrFiredTwice() throws Exception {
    Path dir = DIST.resolve("chaos-quick");
    if (Files.exists(
        dir)) { // a fresh installation each time: old brokers' logs and executions would count
      try (var files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
    Files.createDirectories(dir);
    Path report = dir.resolve("report.json");
    Path table = dir.resolve("report.txt");
    List<String> command =
        Distribution.command(
            "chaos", "--quick", "--seed", "20261201", "--dir", dir.resolve("run").toString());
    Process chaos =
        new ProcessBuilder(command)
            .redirectOutput(report.toFile())
            .redirectError(table.toFile())
            .start();
    boolean ended = chaos.waitFor(20, TimeUnit.MINUTES);
    if (!ended) {
      chaos.destroyForcibly();
    }
    String printed = Files.readString(table, StandardCharsets.UTF_8);
    assertThat(ended)
        .as("chaos --quick ended within 20 minutes; it printed:%n%s", printed)
        .isTrue();
    JsonNode json = Json.mapper().readTree(Files.readString(report, StandardCharsets.UTF_8));
    assertThat(json.path("faults")).as(printed).hasSize(9);
    for (JsonNode fault : json.path("faults")) {
      String name = fault.path("name").asText();
      assertThat(fault.path("accepted").asLong())
          .as("%s: runs were accepted under load", name)
          .isPositive();
      for (String count : List.of("lost", "double_executions", "double_fires", "missed_fires")) {
        assertThat(fault.path(count).asLong()).as("%s %s%n%s", name, count, printed).isZero();
      }
    }
    assertThat(json.path("ok").asBoolean()).as(printed).isTrue();
    assertThat(chaos.exitValue()).isZero();
  }
}
