package io.jobline.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.wire.Json;

/** Reads request bodies with messages that name the problem. */
final class Bodies {
  private Bodies() {}

  /**
   * Parses a body that must be a JSON object.
   *
   * @throws ApiException 400 when it is missing, malformed or not an object
   */
  static ObjectNode object(String body, String example) {
    if (body == null || body.isBlank()) {
      throw ApiException.badRequest("body", "a JSON object body is required, e.g. " + example);
    }
    JsonNode node;
    try {
      node = Json.mapper().readTree(body);
    } catch (JsonProcessingException e) {
      throw new ApiException(400, "Malformed JSON", "the request body is not valid JSON: "
          + e.getOriginalMessage() + " at line " + e.getLocation().getLineNr() + ", column "
          + e.getLocation().getColumnNr(), "body", null);
    }
    if (!(node instanceof ObjectNode obj)) {
      throw ApiException.badRequest("body", "the request body must be a JSON object, e.g. " + example);
    }
    return obj;
  }

  static String optionalText(ObjectNode body, String field) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual() || v.asText().isBlank()) {
      throw ApiException.badRequest(field, field + " must be a non-empty string");
    }
    return v.asText();
  }

  static Integer optionalPositiveInt(ObjectNode body, String field) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 1) {
      throw ApiException.badRequest(field, field + " must be a positive integer");
    }
    return v.asInt();
  }

  static ObjectNode optionalObject(ObjectNode body, String field) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      return Json.object();
    }
    if (!(v instanceof ObjectNode obj)) {
      throw ApiException.badRequest(field, field + " must be a JSON object");
    }
    return obj;
  }
}
