package io.jobline.wire;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * One step in a run's life: the value of a {@code jobline.events} record, keyed by run id. {@code
 * seq} increases per (attempt, epoch), so a consumer can drop redelivered events. The payload's
 * shape depends on the type (see {@code schemas/run-event.schema.json}).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunEvent(
    RunId runId,
    long seq,
    EventType type,
    Instant timestamp,
    String executorId,
    int attempt,
    long epoch,
    JsonNode payload) {

  /**
   * When the next attempt is due, as an attempt's end says when a retry follows ({@code
   * next_attempt.due_at}); empty when it says none, or a time that cannot be read.
   */
  public Optional<Instant> retryDueAt() {
    JsonNode due = payload == null ? null : payload.path("next_attempt").get("due_at");
    if (due == null || !due.isTextual()) {
      return Optional.empty();
    }
    try {
      return Optional.of(IsoInstant.parse(due.asText()));
    } catch (DateTimeParseException unreadable) {
      return Optional.empty();
    }
  }
}
