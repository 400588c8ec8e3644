package io.jobline.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonInclude.Include;
import com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * The answer to triggering a schedule now: the run queued, its job and schedule, and, where the
 * schedule runs a chain, the chain run and where to follow it (absent otherwise).
 */
@JsonNaming(SnakeCaseStrategy.class)
record ScheduleTriggered(
    String runId,
    String jobName,
    String schedule,
    String status,
    @JsonInclude(Include.NON_NULL) String chainRunId,
    @JsonInclude(Include.NON_NULL) String statusUrl) {}
