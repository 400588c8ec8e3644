package io.jobline.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.wire.IsoInstant;
import io.jobline.wire.Json;
import io.jobline.wire.WireLimits;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The api's door: reads request bodies strictly, within {@link WireLimits} and {@link Names}, with
 * messages that name the field at fault and the limit it broke.
 */
final class Bodies {
  /** Largest request body the API reads. */
  static final int MAX_BODY_BYTES = 1024 * 1024;

  /** Largest params object of one run. */
  static final int MAX_PARAMS_BYTES = 64 * 1024;

  /**
   * Longest text of any top-level field without a rule of its own (names and tenant ids have {@link
   * Names}).
   */
  static final int MAX_TEXT = 1024;

  private static final ObjectReader STRICT =
      Json.mapper()
          .reader()
          .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
  private static final Pattern DUPLICATE = Pattern.compile("Duplicate field '([^']*)'");
  private static final Set<Class<?>> WHOLE_NUMBER_TYPES =
      Set.of(Integer.class, int.class, Long.class, long.class, Short.class, short.class);

  private Bodies() {}

  /**
   * Refuses params larger than {@link #MAX_PARAMS_BYTES}.
   *
   * @throws ApiException 413 naming params
   */
  static void checkParamsSize(JsonNode params) {
    checkParamsSize("params", params);
  }

  /** The size of params as they are sent, in UTF-8 bytes. */
  static int paramsBytes(JsonNode params) {
    return params.toString().getBytes(StandardCharsets.UTF_8).length;
  }

  /** {@link #checkParamsSize(JsonNode)} for params given as {@code field}. */
  static void checkParamsSize(String field, JsonNode params) {
    int size = paramsBytes(params);
    if (size > MAX_PARAMS_BYTES) {
      throw new ApiException(
          413,
          "Params too large",
          "params are "
              + size
              + " bytes; at most "
              + MAX_PARAMS_BYTES
              + " are accepted (pass a reference to large inputs instead)",
          field,
          null);
    }
  }

  /**
   * Parses a body that must be a JSON object, strictly: no trailing tokens, no key twice, no field
   * outside {@code fields}, every value within {@link WireLimits}, every text field at most {@value
   * #MAX_TEXT} characters.
   *
   * @param fields the top-level fields this route takes
   * @throws ApiException 400 when it is missing, malformed or not an object, naming the field at
   *     fault
   */
  /** The length of {@code text} in UTF-8, counted without encoding it. */
  static long utf8Length(CharSequence text) {
    long bytes = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        bytes += 3; // (a lone surrogate is written as '?' or replaced: 3 bytes at most)
      }
    }
    return bytes;
  }

  static ObjectNode object(String body, String example, Set<String> fields) {
    if (body == null || body.isBlank()) {
      throw ApiException.badRequest("body", "a JSON object body is required, e.g. " + example);
    }
    // (in bytes, as sent: a body without a declared length is only cut at twice the limit, and
    // counted in chars one of 2 MB of 'é' passed)
    if (body.length() > MAX_BODY_BYTES / 3 && utf8Length(body) > MAX_BODY_BYTES) {
      throw new ApiException(
          413,
          "Body too large",
          "the request body is larger than " + MAX_BODY_BYTES + " bytes",
          "body",
          null);
    }
    JsonNode node;
    try {
      node = STRICT.readTree(body);
    } catch (StreamConstraintsException e) {
      // (found by review: every limit was told as the nesting depth, a number too long too)
      throw ParseLimits.problem(body, STRICT.getFactory().streamReadConstraints(), e);
    } catch (JsonProcessingException e) {
      String message = e.getOriginalMessage();
      Matcher duplicate = DUPLICATE.matcher(message == null ? "" : message);
      throw new ApiException(
          400,
          "Malformed JSON",
          "the request body is not valid JSON: "
              + message
              + (e.getLocation() == null
                  ? ""
                  : " at line "
                      + e.getLocation().getLineNr()
                      + ", column "
                      + e.getLocation().getColumnNr()),
          duplicate.find() ? duplicate.group(1) : "body",
          null);
    }
    if (node == null || !(node instanceof ObjectNode obj)) {
      throw ApiException.badRequest(
          "body", "the request body must be a JSON object, e.g. " + example);
    }
    for (var it = obj.fields(); it.hasNext(); ) {
      var field = it.next();
      String name = field.getKey();
      if (!fields.contains(name)) {
        throw ApiException.badRequest(
            WireLimits.printable(name),
            "unknown field '"
                + WireLimits.printable(name)
                + "'; this route takes "
                + String.join(", ", new TreeSet<>(fields)));
      }
      WireLimits.check(name, field.getValue())
          .ifPresent(
              v -> {
                throw ApiException.badRequest(fieldOf(v.path()), v.toString());
              });
      if (field.getValue().isTextual() && field.getValue().textValue().length() > MAX_TEXT) {
        throw ApiException.badRequest(
            name,
            name
                + " is "
                + field.getValue().textValue().length()
                + " characters long; at most "
                + MAX_TEXT
                + " are accepted");
      }
    }
    return obj;
  }

  /**
   * The JSON field names of a wire or store type's properties (snake_case), for {@link #object}.
   */
  static Set<String> fieldsOf(Class<?> type, String... except) {
    var description =
        Json.mapper().getSerializationConfig().introspect(Json.mapper().constructType(type));
    Set<String> names = new HashSet<>();
    description.findProperties().forEach(p -> names.add(p.getName()));
    names.removeAll(Set.of(except));
    return Set.copyOf(names);
  }

  /** The JSON field names of a wire or store type's whole-number properties, for {@link #whole}. */
  static Set<String> wholeNumberFieldsOf(Class<?> type) {
    var description =
        Json.mapper().getSerializationConfig().introspect(Json.mapper().constructType(type));
    Set<String> names = new HashSet<>();
    description.findProperties().stream()
        .filter(p -> WHOLE_NUMBER_TYPES.contains(p.getRawPrimaryType()))
        .forEach(p -> names.add(p.getName()));
    return Set.copyOf(names);
  }

  /**
   * Refuses a number with a point for any of {@code fields} (read into a whole number, 3.7 would be
   * taken as 3 without a word: found by review).
   *
   * @throws ApiException 400 naming the field
   */
  /**
   * Whether a JSON number is whole: an integer, or a number with a point whose fraction is zero
   * ({@code 60.0}, {@code 1e3}); not one too large to be finite ({@code 1e400}, found by review:
   * its decimal value threw, a 500).
   */
  static boolean wholeNumber(JsonNode v) {
    if (v.isIntegralNumber()) {
      return true;
    }
    return v.isNumber()
        && Double.isFinite(v.doubleValue())
        && v.decimalValue().stripTrailingZeros().scale() <= 0;
  }

  static void whole(ObjectNode body, Set<String> fields) {
    for (String field : fields) {
      JsonNode v = body.get(field);
      // (60.0 or 1e3 is a whole number written another way: found by review, refused too)
      if (v != null && v.isFloatingPointNumber() && !wholeNumber(v)) {
        throw ApiException.badRequest(
            field,
            field
                + " must be a whole number"
                + (field.endsWith("_seconds") ? " of seconds" : "")
                + ", not "
                + v);
      }
    }
  }

  /**
   * A tenant id given in a body, checked against {@link Names}.
   *
   * @throws ApiException 400 naming tenant_id
   */
  static String optionalTenant(ObjectNode body) {
    String tenant = optionalText(body, "tenant_id");
    Names.tenantProblem(tenant)
        .ifPresent(
            p -> {
              throw ApiException.badRequest("tenant_id", "tenant_id " + p);
            });
    return tenant;
  }

  /**
   * A name (of a schedule, chain or step), checked against {@link Names}.
   *
   * @throws ApiException 400 naming the field
   */
  static void checkName(String field, String value) {
    Names.nameProblem(value)
        .ifPresent(
            p -> {
              throw ApiException.badRequest(field, field + " " + p);
            });
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
    return optionalPositiveInt(body, field, Integer.MAX_VALUE);
  }

  /** As {@link #optionalPositiveInt(ObjectNode, String)}, at most {@code max}. */
  static Integer optionalPositiveInt(ObjectNode body, String field, int max) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.canConvertToInt() || !wholeNumber(v) || v.asInt() < 1) {
      throw ApiException.badRequest(field, field + " must be a positive integer");
    }
    if (v.asInt() > max) {
      throw ApiException.badRequest(field, field + " must be at most " + max);
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

  /**
   * An ISO-8601 instant with offset ({@code 2026-03-01T00:00:00Z}) given as {@code field}, or null
   * when none is given.
   *
   * @throws ApiException 400 naming {@code field} when it is not one, or is outside the years 0000
   *     to 9999 (Jobline reads no time beyond them: see {@link IsoInstant})
   */
  static Instant instant(String field, String text) {
    if (text == null) {
      return null;
    }
    Instant at;
    try {
      at = OffsetDateTime.parse(text).toInstant();
    } catch (DateTimeParseException e) {
      throw ApiException.badRequest(
          field, field + " must be an ISO-8601 instant with offset, e.g. 2026-03-01T00:00:00Z");
    }
    if (at.isBefore(IsoInstant.EARLIEST) || at.isAfter(IsoInstant.LATEST)) {
      throw ApiException.badRequest(
          field, field + " must be a time within the years 0000 to 9999, not " + text);
    }
    return at;
  }

  /**
   * A query flag given as {@code field}: {@code true} or {@code false} (in any case), or null when
   * none is given. (Read as a Java boolean, any other text was taken as false: found by review.)
   *
   * @throws ApiException 400 naming {@code field} for any other text
   */
  static Boolean flag(String field, String text) {
    if (text == null) {
      return null;
    }
    return switch (text.toLowerCase(Locale.ROOT)) {
      case "true" -> Boolean.TRUE;
      case "false" -> Boolean.FALSE;
      default ->
          throw ApiException.badRequest(field, field + " must be true or false, not " + text);
    };
  }
}
