package io.jobline.wire;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The one JSON configuration every role uses — for request bodies, responses, topic records and
 * store documents: ISO-8601 instants (read and written by {@link IsoInstant}), unknown fields
 * tolerated, nesting limited to {@link WireLimits#MAX_PARSE_DEPTH}, and characters outside the
 * Basic Multilingual Plane written as proper UTF-8 (Jackson's default writes a surrogate pair in a
 * key as two 3-byte sequences that no reader accepts).
 */
public final class Json {
  private static final ObjectMapper MAPPER = configure(new ObjectMapper(factory()));

  private Json() {}

  /** The JSON factory with Jobline's read limits and UTF-8 output; give it to any other mapper. */
  public static JsonFactory factory() {
    return JsonFactory.builder()
        .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
        .streamReadConstraints(
            StreamReadConstraints.builder().maxNestingDepth(WireLimits.MAX_PARSE_DEPTH).build())
        .build();
  }

  /** Applies Jobline's settings to a mapper built on {@link #factory()} (also Dropwizard's own). */
  public static ObjectMapper configure(ObjectMapper mapper) {
    return mapper
        .registerModule(new JavaTimeModule())
        .registerModule(new Jdk8Module())
        .registerModule(IsoInstant.module())
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE);
  }

  public static ObjectMapper mapper() {
    return MAPPER;
  }

  public static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  public static JsonNode tree(Object value) {
    return MAPPER.valueToTree(value);
  }
}
