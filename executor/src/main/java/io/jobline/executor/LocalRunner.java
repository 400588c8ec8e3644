package io.jobline.executor;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobline.job.JobContext;
import io.jobline.job.JobDefinition;
import io.jobline.run.JobResult;
import io.jobline.run.LogEntry;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import io.jobline.wire.Scope;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Runs one job in this process with no Kafka, Mongo or scheduler (the seed's standalone runner, for
 * external triggers such as a Kubernetes CronJob), with the executor's timeout semantics.
 */
public final class LocalRunner {
  private final Clock clock;
  private final Duration stopGrace;

  public LocalRunner(Clock clock, Duration stopGrace) {
    this.clock = clock;
    this.stopGrace = stopGrace;
  }

  /** Runs the job, passing each log line to {@code lines} as it is written. */
  public JobResult run(
      JobDefinition job,
      JsonNode params,
      String tenantId,
      Integer timeoutSeconds,
      Consumer<LogEntry> lines) {
    RunId runId = RunId.random(clock);
    Local ctx =
        new Local(
            runId,
            job.name(),
            params == null ? Json.object() : params,
            tenantId,
            job.descriptor().scope(),
            clock,
            lines);
    int timeout = timeoutSeconds != null ? timeoutSeconds : job.descriptor().timeoutSeconds();
    Instant started = clock.instant();
    FutureTask<JsonNode> task = new FutureTask<>(() -> job.invoke(ctx));
    Thread worker = new Thread(task, "jobline-local-" + job.name());
    worker.setDaemon(true);
    worker.start();
    String status;
    JsonNode result = null;
    String error = null;
    try {
      result = task.get(timeout, TimeUnit.SECONDS);
      status = ctx.stopRequested ? "cancelled" : "completed";
    } catch (TimeoutException e) {
      ctx.stopRequested = true;
      try {
        task.get(stopGrace.toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception ignored) {
        worker.interrupt();
      }
      status = "timed_out";
      error = "timed out after " + timeout + " s";
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      status = "failed";
      error =
          cause.getMessage() == null
              ? cause.getClass().getSimpleName()
              : cause.getClass().getSimpleName() + ": " + cause.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      ctx.stopRequested = true;
      status = "cancelled";
      error = "interrupted";
    }
    Instant ended = clock.instant();
    return new JobResult(
        job.name(),
        runId.value(),
        status,
        started,
        ended,
        Duration.between(started, ended).toNanos() / 1e9,
        result,
        error,
        ctx.getLogs());
  }

  private static final class Local implements JobContext {
    private final RunId runId;
    private final String jobName;
    private final JsonNode params;
    private final String tenantId;
    private final Scope scope;
    private final Clock clock;
    private final Consumer<LogEntry> lines;
    private final KeptLines logs = new KeptLines();
    volatile boolean stopRequested;

    Local(
        RunId runId,
        String jobName,
        JsonNode params,
        String tenantId,
        Scope scope,
        Clock clock,
        Consumer<LogEntry> lines) {
      this.runId = runId;
      this.jobName = jobName;
      this.params = params;
      this.tenantId = tenantId;
      this.scope = scope;
      this.clock = clock;
      this.lines = lines;
    }

    private void add(String level, String message, Integer pct) {
      LogEntry entry = new LogEntry(clock.instant(), level, message, pct);
      logs.add(entry);
      lines.accept(entry);
    }

    @Override
    public RunId runId() {
      return runId;
    }

    @Override
    public String jobName() {
      return jobName;
    }

    @Override
    public JsonNode params() {
      return params;
    }

    @Override
    public String tenantId() {
      return tenantId;
    }

    @Override
    public Scope scope() {
      return scope;
    }

    @Override
    public List<String> subTenantIds() {
      return List.of();
    }

    @Override
    public void log(String message) {
      add("info", message, null);
    }

    @Override
    public void progress(String message, int pct) {
      add("info", message, Math.max(0, Math.min(100, pct)));
    }

    @Override
    public void warning(String message) {
      add("warning", message, null);
    }

    @Override
    public void error(String message) {
      add("error", message, null);
    }

    @Override
    public boolean shouldStop() {
      return stopRequested;
    }

    @Override
    public void requestStop() {
      stopRequested = true;
    }

    @Override
    public List<LogEntry> getLogs() {
      return logs.all();
    }

    @Override
    public long epoch() {
      return 1;
    }
  }
}
