package io.jobline.wire;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;

/**
 * A control message on {@code jobline.control}, keyed by run id: today only cancellation, of the
 * run's attempts up to {@code attempt} (all of them when it is absent), so a later attempt — a
 * manual retry of a cancelled run — is not cancelled by the same message.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Control(
    RunId runId, String action, Instant requestedAt, String requestedBy, Integer attempt) {
  public static final String CANCEL = "cancel";

  /** Cancels the run's attempts up to {@code attempt}. */
  public static Control cancel(RunId runId, int attempt, Instant at, String by) {
    return new Control(runId, CANCEL, at, by, attempt);
  }

  /** The last attempt this message cancels. */
  public int cancelsUpTo() {
    return attempt == null ? Integer.MAX_VALUE : attempt;
  }
}
