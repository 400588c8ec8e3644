package io.jobline.executor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.job.JobContext;
import io.jobline.wire.EventType;
import io.jobline.wire.Json;
import io.jobline.wire.JobRequest;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;

/** The executor's {@link JobContext}: turns what a job reports into run events. */
final class RunContext implements JobContext {
  private final JobRequest request;
  private final EventPublisher events;
  private final String executorId;
  private final Clock clock;
  private final AtomicLong seq = new AtomicLong();
  private volatile String stopReason;

  RunContext(JobRequest request, EventPublisher events, String executorId, Clock clock) {
    this.request = request;
    this.events = events;
    this.executorId = executorId;
    this.clock = clock;
  }

  @Override
  public RunId runId() {
    return request.runId();
  }

  @Override
  public String jobName() {
    return request.jobName();
  }

  @Override
  public JsonNode params() {
    return request.params() == null ? Json.object() : request.params();
  }

  @Override
  public String tenantId() {
    return request.tenantId();
  }

  @Override
  public void log(String message) {
    ObjectNode payload = Json.object().put("level", "info").put("message", message);
    emit(EventType.LOG, payload);
  }

  @Override
  public void progress(String message, int percentage) {
    int pct = Math.max(0, Math.min(100, percentage));
    emit(EventType.PROGRESS, Json.object().put("message", message).put("percentage", pct));
  }

  @Override
  public boolean shouldStop() {
    return stopReason != null;
  }

  /** Asks the job to stop; the first reason given wins. */
  void requestStop(String reason) {
    if (stopReason == null) {
      stopReason = reason;
    }
  }

  String stopReason() {
    return stopReason;
  }

  void emit(EventType type, JsonNode payload) {
    events.publish(event(type, payload));
  }

  void emit(EventType type, JsonNode payload, Runnable acknowledged) {
    events.publish(event(type, payload), acknowledged);
  }

  private RunEvent event(EventType type, JsonNode payload) {
    return new RunEvent(request.runId(), seq.incrementAndGet(), type, clock.instant(), executorId,
        request.attemptOrFirst(), 1, payload);
  }
}
