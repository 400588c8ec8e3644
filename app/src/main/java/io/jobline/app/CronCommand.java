package io.jobline.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.api.CronResource;
import io.jobline.cron.CronException;
import io.jobline.cron.CronSchedule;
import io.jobline.wire.Json;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jobline cron EXPR}: what an expression means and when it fires next. */
@Command(
    name = "cron",
    mixinStandardHelpOptions = true,
    description =
        "Preview a cron expression: its meaning in words and its next fire times, DST included.")
final class CronCommand implements Callable<Integer> {
  /** The most fire times shown, as {@code POST /jobs/cron/preview} gives at most. */
  static final int MAX_COUNT = 1000;

  @Parameters(
      index = "0",
      paramLabel = "EXPR",
      description = "Five fields: minute hour day-of-month month day-of-week (0 = Monday).")
  String expression;

  @Option(names = "--tz", description = "IANA timezone (default: ${DEFAULT-VALUE}).")
  String timezone = CronSchedule.DEFAULT_TIMEZONE;

  @Option(names = "--count", description = "How many fire times (default: ${DEFAULT-VALUE}).")
  int count = 10;

  @Option(
      names = "--from",
      description = "Start after this instant (ISO-8601 with offset; default: now).")
  String from;

  @Option(names = "--json", description = "Print the fire times as a JSON list of UTC instants.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (count < 1 || count > MAX_COUNT) {
      // as POST /jobs/cron/preview caps it: 100,000,000 fire times filled the heap
      System.err.println("jobline: --count must be from 1 to " + MAX_COUNT);
      return ExitCode.INVALID;
    }
    CronSchedule cron;
    Instant start;
    try {
      cron = CronSchedule.parse(expression, timezone);
      start = from == null ? Instant.now() : OffsetDateTime.parse(from).toInstant();
    } catch (CronException e) {
      System.err.println("jobline: " + e.getMessage());
      return 2;
    } catch (DateTimeParseException e) {
      System.err.println(
          "jobline: --from must be an ISO-8601 instant with offset, e.g. 2026-03-29T00:00:00Z");
      return 2;
    }
    ObjectNode preview = CronResource.render(cron, start, count);
    if (json) {
      ArrayNode utc = Json.mapper().createArrayNode();
      preview.path("fire_times").forEach(t -> utc.add(t.path("utc").asText()));
      System.out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(utc));
      return 0;
    }
    System.out.println(preview.path("description").asText());
    for (JsonNode t : preview.path("fire_times")) {
      System.out.printf(
          "  %-32s %s%s%n",
          t.path("at").asText(),
          t.path("utc").asText(),
          t.has("dst") ? "   (DST: fires once in the fall-back overlap)" : "");
    }
    for (JsonNode n : preview.path("dst_notes")) {
      if ("skipped".equals(n.path("kind").asText())) {
        System.out.printf(
            "  %-32s skipped: %s%n", n.path("local_time").asText(), n.path("note").asText());
      }
    }
    return 0;
  }
}
