package io.jobline.executor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.job.JobContext;
import io.jobline.run.LogEntry;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import io.jobline.wire.Scope;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/** The executor's {@link JobContext}: turns what a job reports into run events. */
final class RunContext implements JobContext {

  private final JobRequest request;
  private final Scope scope;
  private final List<String> subTenants;
  private final EventPublisher events;
  private final String executorId;
  private final Clock clock;
  private final long epoch;
  private final int partition;
  private final AtomicLong seq = new AtomicLong();
  private final KeptLines logs = new KeptLines();
  private volatile StopReason stopReason;
  private volatile boolean stopObserved;

  /** Whether the lease the run executes under has lapsed (it may be running elsewhere by now). */
  private final BooleanSupplier leaseLapsed;

  RunContext(
      JobRequest request,
      Scope scope,
      List<String> subTenants,
      EventPublisher events,
      String executorId,
      Clock clock,
      long epoch,
      int partition,
      BooleanSupplier leaseLapsed) {
    this.leaseLapsed = leaseLapsed;
    this.partition = partition;
    this.request = request;
    this.scope = scope;
    this.subTenants = List.copyOf(subTenants);
    this.events = events;
    this.executorId = executorId;
    this.clock = clock;
    this.epoch = epoch;
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
  public Scope scope() {
    return scope;
  }

  @Override
  public List<String> subTenantIds() {
    return subTenants;
  }

  @Override
  public void log(String message) {
    line(EventType.LOG, "info", message, null);
  }

  @Override
  public void warning(String message) {
    line(EventType.WARNING, "warning", message, null);
  }

  @Override
  public void error(String message) {
    line(EventType.ERROR, "error", message, null);
  }

  @Override
  public void progress(String message, int percentage) {
    line(EventType.PROGRESS, "info", message, Math.max(0, Math.min(100, percentage)));
  }

  private void line(EventType type, String level, String message, Integer pct) {
    logs.add(new LogEntry(clock.instant(), level, message, pct));
    ObjectNode payload = Json.object().put("level", level).put("message", message);
    if (pct != null) {
      payload.put("percentage", pct);
    }
    emit(type, payload);
  }

  @Override
  public boolean shouldStop() {
    if (stopReason == null && leaseLapsed.getAsBoolean()) {
      requestStop(StopReason.FENCED);
    }
    boolean stop = stopReason != null;
    if (stop) {
      stopObserved = true;
    }
    return stop;
  }

  @Override
  public void requestStop() {
    requestStop(StopReason.CANCEL);
  }

  @Override
  public List<LogEntry> getLogs() {
    return logs.all();
  }

  @Override
  public long epoch() {
    return epoch;
  }

  @Override
  public int attempt() {
    return request.attemptOrFirst();
  }

  /** Whether the job's outcome has been taken ({@link #settle}). */
  private boolean settled;

  /**
   * Asks the job to stop; the first reason given wins. Once the job has returned ({@link #settle}),
   * only a fence still counts (its end then is not published): a timeout or a cancel that came as
   * it returned turned a completed run into one timed out, which was retried (found by review).
   */
  synchronized void requestStop(StopReason reason) {
    if (stopReason == null && (!settled || reason == StopReason.FENCED)) {
      stopReason = reason;
    }
  }

  /** The job has returned or thrown: why it was asked to stop before that, if it was. */
  synchronized StopReason settle() {
    settled = true;
    return stopReason;
  }

  StopReason stopReason() {
    return stopReason;
  }

  /**
   * True when the job saw {@link #shouldStop()} return true: it returned because it was asked to.
   */
  boolean stopObserved() {
    return stopObserved;
  }

  JobRequest request() {
    return request;
  }

  void emit(EventType type, JsonNode payload) {
    RunEvent e = event(type, payload);
    beforeEmit.run(); // a start still held back goes out first, so events stay in order
    events.publish(e, partition);
  }

  private volatile Runnable beforeEmit = () -> {};

  /** Runs before each event the job emits (the execution publishes a held-back start then). */
  void beforeEmit(Runnable r) {
    this.beforeEmit = r;
  }

  RunEvent event(EventType type, JsonNode payload) {
    return new RunEvent(
        request.runId(),
        seq.incrementAndGet(),
        type,
        clock.instant(),
        executorId,
        request.attemptOrFirst(),
        epoch,
        payload);
  }
}
