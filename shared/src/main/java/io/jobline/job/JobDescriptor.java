package io.jobline.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.jobline.wire.RunId;
import io.jobline.wire.Scope;
import io.jobline.wire.WireLimits;
import java.util.Optional;

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

  /**
   * Why a request of this job naming a fan-out's run ({@code parent}) cannot run without a tenant,
   * if it has none: this job runs once per tenant, and a run of its fan-out runs for one tenant
   * (found by review: the executor ran it once with no tenant; a retry or redrive was answered 202
   * for a request it then dead-lettered). One rule for the executor's intake and the api.
   */
  public Optional<String> childWithoutTenant(RunId parent, String tenant) {
    return perTenant && parent != null && tenant == null
        ? Optional.of(
            "parent_run_id is set but tenant_id is not: job '"
                + name
                + "' runs once per tenant, and a run of a fan-out runs for one tenant; leave"
                + " parent_run_id out to fan out")
        : Optional.empty();
  }
}
