package io.jobline.chain;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.wire.Json;
import java.util.List;
import java.util.Map;

/**
 * One step of a {@link Chain}: a job to run with {@code params} once every step it {@code
 * dependsOn} has succeeded, and what to do when it fails. Build one with {@link #step(String)} and
 * the {@code with}-style methods:
 *
 * <pre>{@code
 * ChainStep.step("invoicing").dependsOn("settlement").onFailure(OnFailure.CONTINUE)
 * }</pre>
 *
 * @param name unique within the chain; defaults to the job's name
 * @param job the job to run
 * @param params merged over the chain run's params (the step's keys win)
 * @param dependsOn names of steps that must end first
 * @param onFailure {@code stop} (default), {@code continue} or {@code retry}
 * @param retries with {@code retry}: how many more attempts (default 0)
 * @param retryDelaySeconds with {@code retry}: the wait before each (default 60)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChainStep(
    String name,
    String job,
    JsonNode params,
    List<String> dependsOn,
    OnFailure onFailure,
    Integer retries,
    Integer retryDelaySeconds) {

  public static final int DEFAULT_RETRY_DELAY_SECONDS = 60;

  public ChainStep {
    name = name == null || name.isBlank() ? job : name;
    params = params == null || params.isNull() ? Json.object() : params;
    dependsOn = dependsOn == null ? List.of() : List.copyOf(dependsOn);
    onFailure = onFailure == null ? OnFailure.STOP : onFailure;
    retries = retries == null ? 0 : retries;
    retryDelaySeconds = retryDelaySeconds == null ? DEFAULT_RETRY_DELAY_SECONDS : retryDelaySeconds;
  }

  /** A step running {@code job}, named after it, with no params and no dependencies. */
  public static ChainStep step(String job) {
    return new ChainStep(job, job, null, null, null, null, null);
  }

  /** This step under another name (to run the same job twice in one chain). */
  public ChainStep named(String stepName) {
    return new ChainStep(stepName, job, params, dependsOn, onFailure, retries, retryDelaySeconds);
  }

  public ChainStep params(Map<String, ?> values) {
    return new ChainStep(
        name, job, Json.tree(values), dependsOn, onFailure, retries, retryDelaySeconds);
  }

  public ChainStep dependsOn(String... steps) {
    return new ChainStep(name, job, params, List.of(steps), onFailure, retries, retryDelaySeconds);
  }

  public ChainStep onFailure(OnFailure policy) {
    return new ChainStep(name, job, params, dependsOn, policy, retries, retryDelaySeconds);
  }

  /**
   * {@code onFailure(RETRY)} with up to {@code times} more attempts, {@code delaySeconds} apart.
   */
  public ChainStep retry(int times, int delaySeconds) {
    return new ChainStep(name, job, params, dependsOn, OnFailure.RETRY, times, delaySeconds);
  }

  /** The params this step's run gets: the chain run's, with this step's own merged over them. */
  public JsonNode paramsOver(JsonNode runParams) {
    if (runParams instanceof ObjectNode base && params.isObject()) {
      return base.deepCopy().setAll((ObjectNode) params);
    }
    return params.isObject() && params.size() > 0 ? params : runParams;
  }

  /** Whether a failure of this step lets its dependents run. */
  public boolean failureContinues() {
    return onFailure == OnFailure.CONTINUE;
  }
}
