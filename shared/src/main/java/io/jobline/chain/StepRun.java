package io.jobline.chain;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.jobline.run.RunStatus;
import java.time.Instant;

/**
 * One step of a chain run: its status, its current attempt and that attempt's run id (derived from
 * chain run, step and attempt), when it started and ended, and the status its run ended with.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StepRun(
    String name,
    String job,
    StepStatus status,
    int attempt,
    String runId,
    Instant startedAt,
    Instant endedAt,
    Instant retryAt,
    RunStatus runStatus,
    boolean cancelSent) {

  public static StepRun pending(ChainStep step) {
    return new StepRun(
        step.name(), step.job(), StepStatus.PENDING, 0, null, null, null, null, null, false);
  }

  /** Its attempt's run was requested at {@code now}. */
  public StepRun started(int nextAttempt, String nextRunId, Instant now) {
    return new StepRun(
        name,
        job,
        status.moveTo(StepStatus.RUNNING),
        nextAttempt,
        nextRunId,
        startedAt == null ? now : startedAt,
        null,
        null,
        null,
        false);
  }

  /** Failed; attempt {@code nextAttempt} runs as {@code nextRunId} at {@code at}. */
  public StepRun retrying(int nextAttempt, String nextRunId, Instant at, RunStatus lastRunStatus) {
    return new StepRun(
        name,
        job,
        status.moveTo(StepStatus.RETRYING),
        nextAttempt,
        nextRunId,
        startedAt,
        null,
        at,
        lastRunStatus,
        false);
  }

  /** Ended with {@code next}; {@code lastRunStatus} is how its run ended, if it ran. */
  public StepRun ended(StepStatus next, RunStatus lastRunStatus, Instant now) {
    return new StepRun(
        name,
        job,
        status.moveTo(next),
        attempt,
        runId,
        startedAt,
        now,
        null,
        lastRunStatus,
        cancelSent);
  }

  /** A retry whose run has shown up in history. */
  public StepRun resumed() {
    return new StepRun(
        name,
        job,
        status.moveTo(StepStatus.RUNNING),
        attempt,
        runId,
        startedAt,
        null,
        null,
        null,
        cancelSent);
  }

  public StepRun withCancelSent() {
    return new StepRun(
        name, job, status, attempt, runId, startedAt, endedAt, retryAt, runStatus, true);
  }
}
