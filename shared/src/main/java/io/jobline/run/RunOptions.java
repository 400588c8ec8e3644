package io.jobline.run;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Scope;

/**
 * What a run's request asked for beyond its job's own settings: the tenants it acts on, its timeout
 * and its retries' backoff. History keeps them with the run so a retry asked for by hand runs the
 * attempt as the request asked, not with the job's defaults. Null fields are the job's.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunOptions(
    Scope scope,
    Integer timeoutSeconds,
    Integer retryBackoffSeconds,
    Integer retryBackoffCapSeconds) {

  /** The options {@code request} sets, or null when it sets none (the job's settings hold). */
  public static RunOptions of(JobRequest request) {
    if (request.scope() == null
        && request.timeoutSeconds() == null
        && request.retryBackoffSeconds() == null
        && request.retryBackoffCapSeconds() == null) {
      return null;
    }
    return new RunOptions(
        request.scope(),
        request.timeoutSeconds(),
        request.retryBackoffSeconds(),
        request.retryBackoffCapSeconds());
  }
}
