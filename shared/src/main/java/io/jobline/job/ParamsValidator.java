package io.jobline.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.jobline.wire.WireLimits;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks a run's params against its job's JSON Schema (draft 2020-12 unless the schema says
 * otherwise).
 */
public final class ParamsValidator {
  private static final JsonSchemaFactory FACTORY =
      JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
  private final Map<JsonNode, JsonSchema> compiled = new ConcurrentHashMap<>();

  /**
   * Refuses a params schema no request could be checked against as its job means: one its draft's
   * meta-schema refuses ({@code "type": "objekt"}, {@code "required": "n"}), one that does not
   * compile (a {@code $ref} to a {@code $defs} entry it lacks, a {@code minimum} that is text, a
   * draft this library has no meta-schema of), and one referring outside itself: such a {@code
   * $ref} is fetched over the network as a request is checked, on the executor's poll thread.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  static void check(JsonNode schema) {
    String outside = refOutside(schema);
    if (outside != null) {
      throw new IllegalArgumentException(
          "reference '" + outside + "' refers outside the schema; refer within it (#/$defs/…)");
    }
    JsonSchema compiled;
    try {
      compiled = FACTORY.getSchema(schema);
      compiled.initializeValidators();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("it does not compile: " + e.getMessage(), e);
    }
    String draft = schema.path("$schema").asText(SpecVersion.VersionFlag.V202012.getId());
    List<String> refused =
        FACTORY.getSchema(SchemaLocation.of(draft)).validate(schema).stream()
            .map(ValidationMessage::getMessage)
            .sorted()
            .toList();
    if (!refused.isEmpty()) {
      throw new IllegalArgumentException("its draft's meta-schema refuses it: " + refused);
    }
  }

  /** Keywords whose value is data, not a schema: a {@code $ref} key in it refers to nothing. */
  private static final Set<String> DATA = Set.of("default", "const", "enum", "examples");

  /** Keywords whose value maps names to schemas: its keys are names, not keywords. */
  private static final Set<String> NAMED_SCHEMAS =
      Set.of("properties", "patternProperties", "$defs", "definitions", "dependentSchemas");

  private static final Set<String> REFS = Set.of("$ref", "$dynamicRef", "$recursiveRef");

  /**
   * The first reference of the schema that would be fetched from elsewhere: an absolute one ({@code
   * https://…}, {@code //host/…}), or, when the schema names itself by an absolute {@code $id}, any
   * that does not point within it ({@code #…}), which resolves against that address. Null if none.
   * Data ({@code default}, {@code enum}, …) and property names are not looked at as schemas (found
   * by review: a property named {@code $ref} was refused).
   */
  private static String refOutside(JsonNode schema) {
    return refOutside(schema, absoluteId(schema, 0));
  }

  private static String refOutside(JsonNode node, boolean absoluteBase) {
    if (!node.isObject()) {
      if (node.isArray()) {
        for (JsonNode item : node) {
          String found = refOutside(item, absoluteBase);
          if (found != null) {
            return found;
          }
        }
      }
      return null;
    }
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      String key = e.getKey();
      JsonNode value = e.getValue();
      String found = null;
      if (REFS.contains(key)) {
        String ref = value.asText(value.toString());
        boolean within = ref.startsWith("#");
        if (!value.isTextual() || absolute(ref) || (absoluteBase && !within)) {
          found = ref;
        }
      } else if (NAMED_SCHEMAS.contains(key) && value.isObject()) {
        for (JsonNode named : value) {
          found = found != null ? found : refOutside(named, absoluteBase);
        }
      } else if (!DATA.contains(key)) {
        found = refOutside(value, absoluteBase);
      }
      if (found != null) {
        return found;
      }
    }
    return null;
  }

  /** Whether a reference names a scheme ({@code https:}, {@code file:}) or a host ({@code //}). */
  private static boolean absolute(String ref) {
    return ref.startsWith("//") || ref.matches("(?s)[A-Za-z][A-Za-z0-9+.-]*:.*");
  }

  /** Whether the schema names itself, or a part, by an absolute {@code $id}. */
  private static boolean absoluteId(JsonNode node, int depth) {
    if (depth > WireLimits.MAX_PARSE_DEPTH) {
      return false;
    }
    JsonNode id = node.get("$id");
    if (id != null && id.isTextual() && absolute(id.asText())) {
      return true;
    }
    for (JsonNode child : node) {
      if (absoluteId(child, depth + 1)) {
        return true;
      }
    }
    return false;
  }

  /** Every violation as "path: message"; empty when the params are valid or there is no schema. */
  public List<String> violations(JobDescriptor job, JsonNode params) {
    if (job.paramsSchema() == null || job.paramsSchema().isNull()) {
      return List.of();
    }
    JsonSchema schema = compiled.computeIfAbsent(job.paramsSchema(), FACTORY::getSchema);
    return schema.validate(params).stream().map(ValidationMessage::getMessage).sorted().toList();
  }
}
