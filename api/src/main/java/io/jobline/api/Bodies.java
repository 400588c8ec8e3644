package io.jobline.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.wire.Json;

/** Reads request bodies with messages that name the problem. */
final class Bodies {
  /** Largest request body the API reads. */
  static final int MAX_BODY_BYTES = 1024 * 1024;
  /** Largest params object of one run. */
  static final int MAX_PARAMS_BYTES = 64 * 1024;

  private Bodies() {}

  /**
   * Refuses params larger than {@link #MAX_PARAMS_BYTES}.
   *
   * @throws ApiException 413 naming params
   */
  static void checkParamsSize(JsonNode params) {
    int size = params.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    if (size > MAX_PARAMS_BYTES) {
      throw new ApiException(413, "Params too large", "params are " + size + " bytes; at most "
          + MAX_PARAMS_BYTES + " are accepted (pass a reference to large inputs instead)", "params", null);
    }
  }

  /**
   * Parses a body that must be a JSON object.
   *
   * @throws ApiException 400 when it is missing, malformed or not an object
   */
  static ObjectNode object(String body, String example) {
    if (body == null || body.isBlank()) {
      throw ApiException.badRequest("body", "a JSON object body is required, e.g. " + example);
    }
    if (body.length() > MAX_BODY_BYTES) {
      throw new ApiException(413, "Body too large", "the request body is larger than "
          + MAX_BODY_BYTES + " bytes", "body", null);
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
