package io.jobline.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.jobline.topic.DeadLetter;
import io.jobline.wire.Json;
import io.jobline.wire.WireLimits;
import java.time.Instant;
import java.util.List;

/**
 * A dead letter as the api shows it: the record as JSON where it reads as JSON ({@code record}),
 * else as text ({@code record_text}); every field is written, null or not.
 */
@JsonNaming(SnakeCaseStrategy.class)
record DeadLetterView(
    String id,
    String topic,
    int partition,
    long offset,
    Instant time,
    String reason,
    String sourceTopic,
    Integer sourcePartition,
    Long sourceOffset,
    String key,
    String tenantId,
    String jobName,
    String runId,
    JsonNode record,
    String recordText,
    boolean recordTruncated,
    boolean redriven,
    List<DeadLetter.Redrive> redrives,
    String runOutcome) {

  static DeadLetterView of(DeadLetter d) {
    JsonNode json = readable(d);
    return new DeadLetterView(
        d.id(),
        d.topic(),
        d.partition(),
        d.offset(),
        d.time(),
        d.reason(),
        d.sourceTopic(),
        d.sourcePartition(),
        d.sourceOffset(),
        d.key(),
        d.tenantId(),
        d.jobName(),
        d.runId(),
        json,
        json == null ? d.value() : null,
        d.valueTruncated(),
        d.redriven(),
        d.redrives() == null ? List.of() : d.redrives(),
        d.runOutcome());
  }

  private static JsonNode readable(DeadLetter d) {
    if (d.value() == null || d.valueTruncated()) {
      return null;
    }
    try {
      JsonNode node = Json.mapper().readTree(d.value());
      return node != null && node.isObject() && WireLimits.check("record", node).isEmpty()
          ? node
          : null;
    } catch (JsonProcessingException | RuntimeException e) {
      return null;
    }
  }
}
