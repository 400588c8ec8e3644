package io.jobline.schedule;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.run.RunStatus;
import io.jobline.wire.Json;
import java.time.Instant;
import java.util.List;

/**
 * A schedule in the seed's shape ({@code job_schedules}): {@code jobName} is the schedule's
 * identifier, {@code jobType} the registered job it runs (defaults to {@code jobName}).
 *
 * <p>{@code trigger} is not a field of the document: it is read from the trigger fields when the
 * schedule is made, so a schedule's cron expression is parsed once, and a schedule whose trigger
 * fields are broken still reads. A trigger passed in is kept only if it was read from the same
 * fields (a copy with new run bookkeeping passes its own); otherwise it is replaced.
 *
 * <p>{@code lastFireThrough} is the latest fire time the last fire acted on (ran, or recorded
 * missed), kept by the scheduler: a next fire time at or before it was fired; one after it was not,
 * though it may fall due before that fire (a jitter lowered after it held the time back).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Schedule(
    String jobName,
    String description,
    String cronExpression,
    Boolean isEnabled,
    String jobType,
    JsonNode parameters,
    Integer maxAttempts,
    Integer timeoutSeconds,
    List<String> chain,
    String timezone,
    String tenantId,
    TriggerKind triggerType,
    Integer intervalSeconds,
    Instant runAt,
    MisfirePolicy misfirePolicy,
    Integer misfireGraceSeconds,
    Integer misfireMaxRuns,
    Overlap overlap,
    Integer jitterSeconds,
    Boolean paused,
    Instant lastRunAt,
    RunStatus lastRunStatus,
    String lastRunId,
    Instant lastFireThrough,
    Instant nextRunAt,
    Long version,
    @JsonIgnore ScheduleTrigger trigger) {

  public static final int DEFAULT_MISFIRE_GRACE_SECONDS = 60;
  public static final int DEFAULT_MISFIRE_MAX_RUNS = 10;

  public Schedule {
    trigger =
        ScheduleTrigger.of(triggerType, cronExpression, timezone, intervalSeconds, runAt, trigger);
  }

  public String target() {
    return jobType == null || jobType.isBlank() ? jobName : jobType;
  }

  public boolean enabled() {
    return isEnabled == null || isEnabled;
  }

  /** Enabled, not paused, and with a fire time to wait for. */
  @JsonIgnore
  public boolean active() {
    return enabled() && !Boolean.TRUE.equals(paused) && nextRunAt != null;
  }

  public TriggerKind kind() {
    return triggerType == null ? TriggerKind.CRON : triggerType;
  }

  public MisfirePolicy misfire() {
    return misfirePolicy == null ? MisfirePolicy.RUN_ONCE : misfirePolicy;
  }

  public Overlap overlapPolicy() {
    return overlap == null ? Overlap.SKIP : overlap;
  }

  public int graceSeconds() {
    return misfireGraceSeconds == null ? DEFAULT_MISFIRE_GRACE_SECONDS : misfireGraceSeconds;
  }

  public int maxCatchUpRuns() {
    return misfireMaxRuns == null ? DEFAULT_MISFIRE_MAX_RUNS : misfireMaxRuns;
  }

  /** This schedule with the fields of {@code patch} (snake_case JSON) replaced. */
  public Schedule merge(JsonNode patch) {
    ObjectNode tree = Json.mapper().valueToTree(this);
    patch.fields().forEachRemaining(e -> tree.set(e.getKey(), e.getValue()));
    try {
      return Json.mapper().treeToValue(tree, Schedule.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(e.getOriginalMessage(), e);
    }
  }

  public Schedule withNextRunAt(Instant next) {
    return withRun(lastRunAt, lastRunStatus, lastRunId, lastFireThrough, next, paused);
  }

  public Schedule withPaused(boolean p) {
    return withRun(lastRunAt, lastRunStatus, lastRunId, lastFireThrough, nextRunAt, p);
  }

  /**
   * This schedule after a fire at {@code at} that requested {@code runId} last (or left the last
   * one), went through the fire time {@code through} and planned {@code next}.
   */
  public Schedule fired(Instant at, String runId, RunStatus status, Instant through, Instant next) {
    return withRun(at, status, runId, through, next, paused);
  }

  /** A copy with new run bookkeeping (on the scheduler's hot path, so no JSON round trip). */
  private Schedule withRun(
      Instant at, RunStatus status, String runId, Instant through, Instant next, Boolean pause) {
    return new Schedule(
        jobName,
        description,
        cronExpression,
        isEnabled,
        jobType,
        parameters,
        maxAttempts,
        timeoutSeconds,
        chain,
        timezone,
        tenantId,
        triggerType,
        intervalSeconds,
        runAt,
        misfirePolicy,
        misfireGraceSeconds,
        misfireMaxRuns,
        overlap,
        jitterSeconds,
        pause,
        at,
        status,
        runId,
        through,
        next,
        version,
        trigger);
  }
}
