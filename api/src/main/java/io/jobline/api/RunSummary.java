package io.jobline.api;

import com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.jobline.run.RunRecord;
import io.jobline.wire.RunId;
import io.jobline.wire.Trigger;
import java.time.Instant;

/**
 * A run as a page of runs lists it: what it is and how it stands, without params, result or logs;
 * every field is written, null or not.
 */
@JsonNaming(SnakeCaseStrategy.class)
record RunSummary(
    RunId runId,
    String jobName,
    String tenantId,
    String status,
    int attempt,
    Trigger trigger,
    Instant requestedAt,
    Instant startedAt,
    Instant completedAt,
    Double durationSeconds,
    Integer progress,
    String error) {

  static RunSummary of(RunRecord r) {
    return new RunSummary(
        r.runId(),
        r.jobName(),
        r.tenantId(),
        r.status() == null ? null : r.status().wire(),
        r.attempt(),
        r.trigger(),
        r.requestedAt(),
        r.startedAt(),
        r.completedAt(),
        r.durationSeconds(),
        r.progress(),
        r.error());
  }
}
