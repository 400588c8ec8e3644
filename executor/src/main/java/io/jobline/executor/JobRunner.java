package io.jobline.executor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.job.JobDefinition;
import io.jobline.wire.EventType;
import io.jobline.wire.Json;
import io.jobline.wire.JobRequest;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one request on the calling thread: started event, the job, then exactly one terminal
 * event. A watchdog asks the job to stop at its timeout and interrupts it after the grace period.
 */
final class JobRunner {
  private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);
  static final String TIMEOUT = "timeout";
  static final String SHUTDOWN = "shutdown";

  private final EventPublisher events;
  private final String executorId;
  private final Clock clock;
  private final ScheduledExecutorService watchdog;
  private final Duration stopGrace;
  private final Map<String, RunContext> running = new ConcurrentHashMap<>();

  JobRunner(EventPublisher events, String executorId, Clock clock,
      ScheduledExecutorService watchdog, Duration stopGrace) {
    this.events = events;
    this.executorId = executorId;
    this.clock = clock;
    this.watchdog = watchdog;
    this.stopGrace = stopGrace;
  }

  /** Runs the job; {@code finished} is called once its terminal event is acknowledged by Kafka. */
  void run(JobDefinition job, JobRequest request, Runnable finished) {
    RunContext ctx = new RunContext(request, events, executorId, clock);
    running.put(request.runId().value(), ctx);
    ObjectNode started = Json.object()
        .put("job_name", request.jobName())
        .put("tenant_id", request.tenantId())
        .put("requested_at", request.requestedAt() == null ? null : request.requestedAt().toString());
    started.set("params", ctx.params());
    started.set("trigger", Json.tree(request.trigger()));
    ctx.emit(EventType.STARTED, started);
    int timeout = request.timeoutSeconds() != null ? request.timeoutSeconds()
        : job.descriptor().timeoutSeconds();
    Thread worker = Thread.currentThread();
    ScheduledFuture<?> askStop = watchdog.schedule(() -> ctx.requestStop(TIMEOUT), timeout, TimeUnit.SECONDS);
    ScheduledFuture<?> interrupt = watchdog.schedule(worker::interrupt,
        timeout * 1000L + stopGrace.toMillis(), TimeUnit.MILLISECONDS);
    try {
      JsonNode result = job.invoke(ctx);
      if (TIMEOUT.equals(ctx.stopReason())) {
        ctx.emit(EventType.TIMED_OUT, error("timed out after " + timeout + " s"), finished);
      } else {
        ctx.emit(EventType.COMPLETED, Json.object().set("result", result), finished);
      }
    } catch (Throwable t) {
      if (TIMEOUT.equals(ctx.stopReason())) {
        ctx.emit(EventType.TIMED_OUT, error("timed out after " + timeout + " s: " + t), finished);
      } else {
        LOG.info("Run {} of {} failed: {}", request.runId(), request.jobName(), t.toString());
        ctx.emit(EventType.FAILED, error(describe(t)), finished);
      }
    } finally {
      askStop.cancel(false);
      interrupt.cancel(false);
      Thread.interrupted();
      running.remove(request.runId().value());
    }
  }

  /** Asks every running job to stop, e.g. on shutdown. */
  void stopAll(String reason) {
    running.values().forEach(ctx -> ctx.requestStop(reason));
  }

  int runningCount() {
    return running.size();
  }

  private static JsonNode error(String message) {
    return Json.object().put("error", message);
  }

  private static String describe(Throwable t) {
    String message = t.getMessage();
    return message == null ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": " + message;
  }
}
