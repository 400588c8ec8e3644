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

  /** Who sends the cancels of a chain run's steps: the chain orchestrator. */
  public static final String BY_CHAIN = "chain";

  /** Cancels the run's attempts up to {@code attempt}. */
  public static Control cancel(RunId runId, int attempt, Instant at, String by) {
    return new Control(runId, CANCEL, at, by, attempt);
  }

  /**
   * The last attempt this message cancels. A chain step's run has one attempt of the orchestrator's
   * own: its cancel covers that one, also as written before it named it (every executor reads the
   * topic from its start, and such a cancel stopped a retry of the step's run asked for by hand
   * once its chain run had ended: found by review).
   */
  public int cancelsUpTo() {
    if (attempt != null) {
      return attempt;
    }
    return BY_CHAIN.equals(requestedBy) ? 1 : Integer.MAX_VALUE;
  }
}
