package io.jobline.wire;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;

/** A control message on {@code jobline.control}, keyed by run id: today only cancellation. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Control(RunId runId, String action, Instant requestedAt, String requestedBy) {
  public static final String CANCEL = "cancel";
}
