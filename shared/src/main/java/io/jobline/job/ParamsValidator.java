package io.jobline.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.util.List;
import java.util.Map;
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
          "$ref '" + outside + "' refers outside the schema; refer within it (#/$defs/…)");
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

  /** The first {@code $ref} that does not point within the schema ({@code #…}); null if none. */
  private static String refOutside(JsonNode node) {
    if (node.isObject()) {
      JsonNode ref = node.get("$ref");
      if (ref != null && (!ref.isTextual() || !ref.asText().startsWith("#"))) {
        return ref.asText(ref.toString());
      }
    }
    for (JsonNode child : node) {
      String found = refOutside(child);
      if (found != null) {
        return found;
      }
    }
    return null;
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
