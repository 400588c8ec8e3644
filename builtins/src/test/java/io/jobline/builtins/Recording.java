package io.jobline.builtins;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobline.job.JobContext;
import io.jobline.run.LogEntry;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import io.jobline.wire.Scope;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A context that keeps what the job reports, and can ask it to stop after some checks. */
public final class Recording implements JobContext {
  public final List<String> lines = new CopyOnWriteArrayList<>();
  private final String jobName;
  private final String tenantId;
  private final JsonNode params;
  private final AtomicInteger checksBeforeStop = new AtomicInteger(Integer.MAX_VALUE);
  private final AtomicInteger checks = new AtomicInteger();
  private volatile int actionAt;
  private volatile Runnable action = () -> {};
  private volatile RunId runId = RunId.of("run-1");

  public Recording(String jobName) {
    this(jobName, null, Json.object());
  }

  public Recording(String jobName, String tenantId, JsonNode params) {
    this.jobName = jobName;
    this.tenantId = tenantId;
    this.params = params;
  }

  /** Runs {@code action} as {@link #shouldStop()} is asked for the {@code check}-th time. */
  public Recording atCheck(int check, Runnable action) {
    this.actionAt = check;
    this.action = action;
    return this;
  }

  /** The run's id is {@code runId} (else {@code run-1}). */
  public Recording withRunId(String runId) {
    this.runId = RunId.of(runId);
    return this;
  }

  /** {@link #shouldStop()} answers false this many times, then true. */
  public Recording stopAfterChecks(int checks) {
    checksBeforeStop.set(checks);
    return this;
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
    return tenantId == null ? Scope.SYSTEM : Scope.TENANT;
  }

  @Override
  public List<String> subTenantIds() {
    return List.of();
  }

  @Override
  public void log(String m) {
    lines.add(m);
  }

  @Override
  public void progress(String m, int p) {
    lines.add(p + "% " + m);
  }

  @Override
  public void warning(String m) {
    lines.add("WARN " + m);
  }

  @Override
  public void error(String m) {
    lines.add("ERROR " + m);
  }

  @Override
  public boolean shouldStop() {
    if (checks.incrementAndGet() == actionAt) {
      action.run();
    }
    return checksBeforeStop.getAndUpdate(n -> n > 0 ? n - 1 : 0) == 0;
  }

  @Override
  public void requestStop() {
    checksBeforeStop.set(0);
  }

  @Override
  public List<LogEntry> getLogs() {
    return List.of();
  }

  @Override
  public long epoch() {
    return 1;
  }
}
