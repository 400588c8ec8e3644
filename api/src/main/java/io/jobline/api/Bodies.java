package io.jobline.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.wire.Json;
import io.jobline.wire.WireLimits;

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
    } catch (StreamConstraintsException e) {
      String field = topField(body);
      throw ApiException.badRequest(field, field + " is nested more than " + WireLimits.MAX_DEPTH
          + " levels deep; at most " + WireLimits.MAX_DEPTH + " are accepted");
    } catch (JsonProcessingException e) {
      throw new ApiException(400, "Malformed JSON", "the request body is not valid JSON: "
          + e.getOriginalMessage() + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()
          + ", column " + e.getLocation().getColumnNr()), "body", null);
    }
    if (!(node instanceof ObjectNode obj)) {
      throw ApiException.badRequest("body", "the request body must be a JSON object, e.g. " + example);
    }
    for (var it = obj.fields(); it.hasNext(); ) {
      var field = it.next();
      WireLimits.check(field.getKey(), field.getValue()).ifPresent(v -> {
        throw ApiException.badRequest(fieldOf(v.path()), v.toString());
      });
      WireLimits.badText(field.getKey()).ifPresent(bad -> {
        throw ApiException.badRequest(WireLimits.printable(field.getKey()), "a field name " + bad);
      });
    }
    return obj;
  }

  /**
   * The top-level field of a body whose nesting goes past what the parser reads (the body itself if
   * none): found with a streaming pass, which keeps no stack of its own and so reads any depth.
   */
  private static String topField(String body) {
    JsonFactory unlimited = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(Integer.MAX_VALUE).build()).build();
    try (JsonParser p = unlimited.createParser(body)) {
      int depth = 0;
      String top = null;
      for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
        if (t == JsonToken.FIELD_NAME && depth == 1) {
          top = p.currentName();
        } else if (t.isStructStart() && ++depth > WireLimits.MAX_PARSE_DEPTH) {
          return top == null ? "body" : WireLimits.printable(top);
        } else if (t.isStructEnd()) {
          depth--;
        }
      }
    } catch (java.io.IOException e) {
      // malformed further on: the body it is
    }
    return "body";
  }

  /** The top-level field a violation's path starts with. */
  private static String fieldOf(String path) {
    int end = path.length();
    for (int i = 0; i < path.length(); i++) {
      if (path.charAt(i) == '.' || path.charAt(i) == '[') {
        end = i;
        break;
      }
    }
    return path.substring(0, end);
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
