package io.jobline.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.jobline.wire.Scope;

/** A job as the catalogue lists it: everything but the code. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobDescriptor(
    String name,
    String description,
    int timeoutSeconds,
    int retries,
    Scope scope,
    boolean perTenant,
    int maxConcurrency,
    JsonNode paramsSchema) {

  /** Attempts a run gets unless its request says otherwise. */
  public int defaultMaxAttempts() {
    return retries + 1;
  }
}
