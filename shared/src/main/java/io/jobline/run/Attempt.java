package io.jobline.run;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;

/**
 * One execution of a run: an attempt number, and the epoch of the executor that held it; {@code
 * retryAt} is when the next attempt is due, when this one failed or timed out with a retry to come
 * (its end said so).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Attempt(
    int attempt,
    long epoch,
    String executorId,
    Instant startedAt,
    Instant endedAt,
    RunStatus status,
    String error,
    Instant retryAt) {

  public Attempt ended(RunStatus to, Instant at, String err, Instant retryDue) {
    return new Attempt(attempt, epoch, executorId, startedAt, at, to, err, retryDue);
  }
}
