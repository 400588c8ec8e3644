package io.jobline.schedule;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;

/**
 * A schedule in the seed's shape ({@code job_schedules}): {@code jobName} is the schedule's
 * identifier, {@code jobType} the registered job it runs (defaults to {@code jobName}).
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
    String timezone,
    String tenantId,
    Instant lastRunAt,
    String lastRunStatus,
    Instant nextRunAt) {

  public String target() {
    return jobType == null || jobType.isBlank() ? jobName : jobType;
  }

  public boolean enabled() {
    return isEnabled == null || isEnabled;
  }

  public Schedule withNextRunAt(Instant next) {
    return new Schedule(jobName, description, cronExpression, isEnabled, jobType, parameters,
        maxAttempts, timeoutSeconds, timezone, tenantId, lastRunAt, lastRunStatus, next);
  }

  public Schedule fired(Instant at, Instant next) {
    return new Schedule(jobName, description, cronExpression, isEnabled, jobType, parameters,
        maxAttempts, timeoutSeconds, timezone, tenantId, at, "queued", next);
  }
}
