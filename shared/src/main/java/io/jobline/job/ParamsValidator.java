package io.jobline.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
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

  /** Every violation as "path: message"; empty when the params are valid or there is no schema. */
  public List<String> violations(JobDescriptor job, JsonNode params) {
    if (job.paramsSchema() == null || job.paramsSchema().isNull()) {
      return List.of();
    }
    JsonSchema schema = compiled.computeIfAbsent(job.paramsSchema(), FACTORY::getSchema);
    return schema.validate(params).stream().map(ValidationMessage::getMessage).sorted().toList();
  }
}
