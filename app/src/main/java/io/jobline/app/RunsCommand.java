package io.jobline.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.run.LogEntry;
import io.jobline.wire.Json;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jobline runs …}: runs on a running Jobline, as tables or JSON. */
@Command(
    name = "runs",
    mixinStandardHelpOptions = true,
    description = "List, show, follow, cancel and retry runs.",
    subcommands = {
      CommandLine.HelpCommand.class,
      RunsCommand.ListRuns.class,
      RunsCommand.Show.class,
      RunsCommand.Logs.class,
      RunsCommand.Follow.class,
      RunsCommand.Cancel.class,
      RunsCommand.Retry.class
    })
final class RunsCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  static void row(JsonNode r) {
    System.out.printf(
        "%-36s %-22s %-12s %-10s %-24s %s%n",
        ApiClient.text(r, "run_id"),
        ApiClient.text(r, "job_name"),
        ApiClient.text(r, "tenant_id"),
        ApiClient.text(r, "status"),
        ApiClient.text(r, "requested_at"),
        r.path("duration_seconds").isNumber()
            ? String.format("%.3fs", r.path("duration_seconds").asDouble())
            : "-");
  }

  @Command(name = "list", description = "Recent runs, newest first.")
  static final class ListRuns implements Callable<Integer> {
    @Mixin ApiClient api;

    @Option(names = "--job")
    String job;

    @Option(names = "--tenant")
    String tenant;

    @Option(names = "--status")
    String status;

    @Option(names = "--limit", defaultValue = "20")
    int limit;

    @Override
    public Integer call() throws Exception {
      StringBuilder q = new StringBuilder("/jobs/runs?limit=" + limit);
      for (String[] p : new String[][] {{"job", job}, {"tenant", tenant}, {"status", status}}) {
        if (p[1] != null) {
          q.append('&')
              .append(p[0])
              .append('=')
              .append(URLEncoder.encode(p[1], StandardCharsets.UTF_8));
        }
      }
      return api.print(
          api.get(q.toString()),
          body -> {
            System.out.printf(
                "%-36s %-22s %-12s %-10s %-24s %s%n",
                "RUN", "JOB", "TENANT", "STATUS", "REQUESTED", "DURATION");
            body.path("runs").forEach(RunsCommand::row);
          });
    }
  }

  @Command(name = "show", description = "One run with its attempts and result.")
  static final class Show implements Callable<Integer> {
    @Mixin ApiClient api;

    @Parameters(paramLabel = "RUN_ID")
    String runId;

    @Override
    public Integer call() throws Exception {
      return api.print(
          api.get("/jobs/runs/" + ApiClient.part(runId)),
          r -> {
            row(r);
            System.out.println("  result:   " + r.path("result"));
            if (!r.path("error").isNull()) {
              System.out.println("  error:    " + ApiClient.text(r, "error"));
            }
            r.path("attempts")
                .forEach(
                    a ->
                        System.out.printf(
                            "  attempt %s (epoch %s) on %s: %s %s%n",
                            ApiClient.text(a, "attempt"),
                            ApiClient.text(a, "epoch"),
                            ApiClient.text(a, "executor_id"),
                            ApiClient.text(a, "status"),
                            a.path("error").isMissingNode() ? "" : ApiClient.text(a, "error")));
          });
    }
  }

  @Command(name = "logs", description = "A run's log lines.")
  static final class Logs implements Callable<Integer> {
    @Mixin ApiClient api;

    @Parameters(paramLabel = "RUN_ID")
    String runId;

    /** Lines asked for per page: the api's largest. */
    static final int PAGE = 500;

    /**
     * Reads every page of the run's kept lines (found by review: only the first 500 of up to 1,000
     * were printed, with no word of the rest), and prints them as one.
     */
    @Override
    public Integer call() throws Exception {
      String path = "/jobs/runs/" + ApiClient.part(runId) + "/logs?limit=" + PAGE;
      ApiClient.Reply reply = api.get(path);
      if (reply.ok() && reply.body() instanceof ObjectNode whole) {
        ArrayNode lines = whole.withArray("logs");
        JsonNode next = whole.path("next_offset");
        int read = 0;
        while (next.canConvertToInt() && next.asInt() > read) { // (a page moves on, or it ends)
          read = next.asInt();
          ApiClient.Reply page = api.get(path + "&offset=" + read);
          if (!page.ok()) {
            return api.print(page, body -> {});
          }
          if (page.body().path("logs") instanceof ArrayNode more) {
            lines.addAll(more);
          }
          next = page.body().path("next_offset");
        }
        whole.putNull("next_offset");
      }
      return api.print(
          reply,
          body ->
              body.path("logs")
                  .forEach(
                      l ->
                          System.out.printf(
                              "%s %-7s %s%n",
                              ApiClient.text(l, "timestamp"),
                              ApiClient.text(l, "level").toUpperCase(),
                              ApiClient.text(l, "message"))));
    }
  }

  @Command(name = "follow", description = "Follow a run live with a progress bar until it ends.")
  static final class Follow implements Callable<Integer> {
    @Mixin ApiClient api;

    @Parameters(paramLabel = "RUN_ID")
    String runId;

    /**
     * Reconnections in a row that bring no event before giving up: the api caps a stream at 6 h and
     * a restart closes it, neither an end of the run.
     */
    static final int RECONNECTS = 5;

    @Override
    public Integer call() throws Exception {
      ProgressDisplay display = ProgressDisplay.onStderr();
      AtomicReference<String> end = new AtomicReference<>();
      String path = "/jobs/runs/" + ApiClient.part(runId) + "/stream";
      String lastId = null;
      int quiet = 0;
      while (end.get() == null) {
        String before = lastId;
        try {
          lastId = api.stream(path, lastId, (event, data) -> show(display, end, event, data));
        } catch (CliFailure f) {
          if (before == null || f.exitCode() != ExitCode.UNAVAILABLE) {
            throw f; // (nothing answering at first is the answer; later, the api may be restarting)
          }
        }
        quiet = Objects.equals(before, lastId) ? quiet + 1 : 0;
        if (end.get() == null) {
          if (quiet > RECONNECTS) {
            end.set("unknown");
            System.err.println(
                "jobline: the stream of run "
                    + runId
                    + " closed "
                    + quiet
                    + " times in a row before the run ended — `jobline runs show "
                    + runId
                    + "` shows where it stands");
            break;
          }
          // 0.5, 1, 2, 4, 4 s: a restarting api is back within seconds
          Thread.sleep(Math.min(4_000L, 500L << Math.max(0, quiet - 1)));
        }
      }
      display.finish(end.get());
      System.err.println(runId + ": " + end.get());
      return switch (end.get()) {
        case "completed" -> RunCommand.COMPLETED;
        case "timed_out" -> RunCommand.TIMED_OUT;
        case "no such run" -> RunCommand.INVALID;
        default -> RunCommand.FAILED;
      };
    }
  }

  private static void show(
      ProgressDisplay display, AtomicReference<String> end, String event, JsonNode data) {
    try {
      switch (event) {
        case "log", "progress" -> display.line(Json.mapper().treeToValue(data, LogEntry.class));
        case "truncated" ->
            display.line(
                new LogEntry(
                    null,
                    "warn",
                    "history keeps the first "
                        + data.path("lines_kept").asInt()
                        + " log lines of a run; the rest are left out, its progress goes on",
                    null));
        case "end" -> end.set(data.path("status").asText(data.path("error").asText("unknown")));
        default -> {}
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Command(name = "cancel", description = "Cancel a queued or running run.")
  static final class Cancel implements Callable<Integer> {
    @Mixin ApiClient api;

    @Parameters(paramLabel = "RUN_ID")
    String runId;

    @Override
    public Integer call() throws Exception {
      return api.print(
          api.post("/jobs/runs/" + ApiClient.part(runId) + "/cancel"),
          b -> System.out.println(runId + ": cancelling"));
    }
  }

  @Command(name = "retry", description = "Run an ended run again as its next attempt.")
  static final class Retry implements Callable<Integer> {
    @Mixin ApiClient api;

    @Parameters(paramLabel = "RUN_ID")
    String runId;

    @Override
    public Integer call() throws Exception {
      return api.print(
          api.post("/jobs/runs/" + ApiClient.part(runId) + "/retry"),
          b -> System.out.println(runId + ": attempt " + ApiClient.text(b, "attempt") + " queued"));
    }
  }
}
