package io.jobline.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.jobline.wire.Scope;
import io.jobline.wire.WireLimits;

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

  /**
   * Attempts a run gets unless its request says otherwise: {@code retries + 1}, at most {@link
   * WireLimits#MAX_ATTEMPTS} (a job declared with more, or listed so by an older executor, retries
   * up to the bound rather than have its next attempts refused).
   */
  public int defaultMaxAttempts() {
    return (int) Math.min((long) retries + 1, WireLimits.MAX_ATTEMPTS);
  }
}
