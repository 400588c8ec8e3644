package io.jobline.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.topic.DeadLetter;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import java.util.Set;

/**
 * The request a redrive sends: read from the dead letter as it was, or from the corrected record in
 * the body, and the problems either gives.
 */
final class RedriveRecord {
  private static final String EXAMPLE =
      "{\"record\":{\"job_name\":\"settlement\",\"params\":{\"period\":\"2026-03\"}}}";

  private RedriveRecord() {}

  /** The run id the executor gave a record without one (from where the record first lay). */
  static RunId runId(DeadLetter letter) {
    if (letter.sourceTopic() != null
        && letter.sourcePartition() != null
        && letter.sourceOffset() != null) {
      return RunId.forRecord(letter.sourceTopic(), letter.sourcePartition(), letter.sourceOffset());
    }
    return RunId.forRecord(letter.topic(), letter.partition(), letter.offset());
  }

  /** The corrected record of a redrive's body ({@code {"record": {…}}}); bad input is a 400. */
  static JobRequest corrected(String body) {
    ObjectNode wrapper = Bodies.object(body, EXAMPLE, Set.of("record"));
    JsonNode record = wrapper.get("record");
    if (!(record instanceof ObjectNode)) {
      throw ApiException.badRequest(
          "record", "record must be the corrected request as a JSON object, e.g. " + EXAMPLE);
    }
    try {
      return Json.mapper().treeToValue(record, JobRequest.class);
    } catch (JsonProcessingException e) {
      throw ApiException.badRequest(
          fieldOf(e), "record is not a request: " + e.getOriginalMessage());
    }
  }

  /** The record as it was dead-lettered; one that cannot be read as a request is a 409. */
  static JobRequest original(DeadLetter letter) {
    if (letter.value() == null || letter.valueTruncated()) {
      throw new ApiException(
          409,
          "Cannot be redriven as it was",
          "the record of dead letter '"
              + letter.id()
              + "' was "
              + (letter.value() == null
                  ? "empty"
                  : "larger than " + DeadLetter.MAX_VALUE_CHARS + " characters")
              + "; redrive it with a corrected record in the body, e.g. "
              + EXAMPLE,
          "record",
          null);
    }
    try {
      JobRequest r = Json.mapper().readValue(letter.value(), JobRequest.class);
      if (r == null) {
        throw new ApiException(
            409,
            "Cannot be redriven as it was",
            "the record is empty; send a corrected record",
            "record",
            null);
      }
      return r;
    } catch (JsonProcessingException e) {
      throw new ApiException(
          409,
          "Cannot be redriven as it was",
          "the record is not a request ("
              + e.getOriginalMessage()
              + "); redrive it with a corrected record in the body, e.g. "
              + EXAMPLE,
          fieldOf(e),
          null);
    }
  }

  private static String fieldOf(JsonProcessingException e) {
    if (e instanceof JsonMappingException m
        && !m.getPath().isEmpty()
        && m.getPath().get(0).getFieldName() != null) {
      return "record." + m.getPath().get(0).getFieldName();
    }
    return "record";
  }

  /** Bad input in a corrected record is a 400; an original that cannot run as it was, a 409. */
  static ApiException problem(boolean corrected, String field, String detail) {
    return corrected
        ? ApiException.badRequest(field, detail)
        : new ApiException(
            409,
            "Cannot be redriven as it was",
            detail + "; redrive it with a corrected record",
            field,
            null);
  }
}
