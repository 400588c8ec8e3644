package io.jobline.app.chaos;

import io.jobline.job.Job;
import io.jobline.job.JobContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * The job {@code jobline chaos} runs: it works for {@code ms} milliseconds, checking whether it
 * should stop, and records each execution's start and end (run id, attempt, epoch, executor) in a
 * file of its own process under {@code JOBLINE_CHAOS_DIR}, which the checker reads. A file, not a
 * store collection: executions must be recorded while the store is down too. Without that variable
 * (any ordinary deployment) it only works.
 */
public class ChaosJobs {
  static final String DIR_ENV = "JOBLINE_CHAOS_DIR";
  private static final Object LOCK = new Object();

  @Job(
      name = "chaos-work",
      description = "Works for `ms` milliseconds (the fault suite's load)",
      timeoutSeconds = 60,
      paramsSchema =
          """
          {"type": "object",
           "properties": {"ms": {"type": "integer", "minimum": 0, "maximum": 30000},
                          "pad": {"type": "string"}}}""")
  public Map<String, Object> work(JobContext ctx) throws InterruptedException {
    long ms = ctx.params() == null ? 0 : ctx.params().path("ms").asLong(0);
    record(ctx, "start", "");
    long deadline = System.nanoTime() + ms * 1_000_000L;
    boolean stopped = false;
    // asks before each slice of work and once more before calling it done: a process frozen
    // mid-slice (the executor-pause fault) wakes with its lease lapsed, and must not count that
    // work as its own
    while (true) {
      if (ctx.shouldStop()) {
        stopped = true;
        break;
      }
      if (System.nanoTime() >= deadline) {
        break;
      }
      Thread.sleep(Math.min(50, Math.max(1, (deadline - System.nanoTime()) / 1_000_000L)));
    }
    record(ctx, "end", stopped ? "stopped" : "done");
    return Map.of("worked_ms", ms, "stopped_early", stopped);
  }

  private static void record(JobContext ctx, String what, String outcome) {
    String dir = System.getenv(DIR_ENV);
    if (dir == null) {
      return;
    }
    String executor = System.getenv().getOrDefault("EXECUTOR_ID", "executor");
    String line =
        String.join(
                    " ",
                    what,
                    ctx.runId().value(),
                    Integer.toString(ctx.attempt()),
                    Long.toString(ctx.epoch()),
                    executor,
                    Long.toString(System.currentTimeMillis()),
                    outcome)
                .trim()
            + "\n";
    synchronized (LOCK) {
      try {
        Files.writeString(
            Path.of(dir, executor + ".log"),
            line,
            StandardCharsets.UTF_8,
            StandardOpenOption.CREATE,
            StandardOpenOption.APPEND,
            StandardOpenOption.WRITE);
      } catch (IOException e) {
        throw new UncheckedIOException("could not record the execution in " + dir, e);
      }
    }
  }
}
