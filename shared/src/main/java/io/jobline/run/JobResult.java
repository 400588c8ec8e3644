package io.jobline.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;
import java.util.List;

/** The outcome of a run in the seed's shape: status, timing, return value, error and logs. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record JobResult(
    String jobName,
    String runId,
    String status,
    Instant startedAt,
    Instant completedAt,
    Double durationSeconds,
    JsonNode result,
    String error,
    List<LogEntry> logs) {}
