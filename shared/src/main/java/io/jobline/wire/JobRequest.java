package io.jobline.wire;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;
import java.util.Optional;

/**
 * A request to run a job: the value of a {@code jobline.requests} record, keyed by tenant id. Only
 * {@code job_name} is required from an outside producer.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobRequest(
    RunId runId,
    String jobName,
    JsonNode params,
    String tenantId,
    Scope scope,
    Integer attempt,
    Integer maxAttempts,
    Integer timeoutSeconds,
    Trigger trigger,
    Instant requestedAt,
    String requestedBy,
    RunId parentRunId,
    Integer retryBackoffSeconds,
    Integer retryBackoffCapSeconds) {

  /** The tenant key used on the requests topic. */
  public static final String SYSTEM_TENANT = "_system";

  /** A manual request for the current attempt 1. */
  public static JobRequest manual(
      RunId runId, String jobName, JsonNode params, String tenantId, Instant now, String by) {
    return new JobRequest(
        runId,
        jobName,
        params,
        tenantId,
        null,
        1,
        null,
        null,
        Trigger.manual(),
        now,
        by,
        null,
        null,
        null);
  }

  /** A request with the fields an outside producer must give and sensible defaults for the rest. */
  public static JobRequest of(
      RunId runId,
      String jobName,
      JsonNode params,
      String tenantId,
      Integer maxAttempts,
      Integer timeoutSeconds,
      Trigger trigger,
      Instant now,
      String by) {
    return new JobRequest(
        runId,
        jobName,
        params,
        tenantId,
        null,
        1,
        maxAttempts,
        timeoutSeconds,
        trigger,
        now,
        by,
        null,
        null,
        null);
  }

  /** The record key: the tenant, or {@value #SYSTEM_TENANT} for system work. */
  public String partitionKey() {
    return tenantId == null || tenantId.isBlank() ? SYSTEM_TENANT : tenantId;
  }

  public int attemptOrFirst() {
    // (one below 1 is refused by the executor, whose refusal names attempt 1: history sets an
    // event of attempt 0 aside)
    return attempt == null || attempt < 1 ? 1 : attempt;
  }

  /**
   * Why this request cannot be carried end to end ({@link WireLimits}), if it cannot: the first
   * field in wire order that cannot. Every request an executor reads is checked, so the check
   * builds no maps of the fields.
   */
  public Optional<WireLimits.Violation> violation() {
    return idText("run_id", runId == null ? null : runId.value())
        .or(() -> idText("job_name", jobName))
        .or(() -> idText("tenant_id", tenantId))
        .or(this::blankTenant)
        .or(() -> badText("requested_by", requestedBy))
        .or(() -> idText("parent_run_id", parentRunId == null ? null : parentRunId.value()))
        .or(this::triggerViolation)
        .or(() -> belowOne("attempt", attempt))
        .or(() -> belowOne("max_attempts", maxAttempts))
        .or(() -> above("max_attempts", maxAttempts, WireLimits.MAX_ATTEMPTS))
        .or(
            () ->
                above("retry_backoff_seconds", retryBackoffSeconds, WireLimits.MAX_BACKOFF_SECONDS))
        .or(
            () ->
                above(
                    "retry_backoff_cap_seconds",
                    retryBackoffCapSeconds,
                    WireLimits.MAX_BACKOFF_SECONDS))
        .or(() -> belowOne("timeout_seconds", timeoutSeconds))
        .or(this::negativeBackoff)
        .or(() -> WireLimits.check("params", params));
  }

  /**
   * A tenant id given but blank: the api refuses one; sent on the topic (a serializer writing an
   * empty default), it ran for a tenant named "", and a per-tenant job fanned out to no tenant and
   * read completed (found by review). No tenant is {@code null}.
   */
  private Optional<WireLimits.Violation> blankTenant() {
    return tenantId != null && tenantId.isBlank()
        ? Optional.of(
            new WireLimits.Violation(
                "tenant_id", "must not be blank; leave it out for a run of no tenant"))
        : Optional.empty();
  }

  /**
   * Why the trigger's names cannot be carried, if they cannot (found by review: a redrive's
   * corrected record could carry a trigger schedule name of a megabyte, answered 500, or, below
   * Kafka's limit, accepted and then refused by the executor as too large).
   */
  private Optional<WireLimits.Violation> triggerViolation() {
    if (trigger == null) {
      return Optional.empty();
    }
    return idText("trigger.schedule", trigger.schedule())
        .or(() -> idText("trigger.chain_run_id", trigger.chainRunId()))
        .or(() -> idText("trigger.step", trigger.step()));
  }

  /** Why a name or id cannot be carried: text it cannot hold, or too long for an id. */
  private static Optional<WireLimits.Violation> idText(String field, String text) {
    return badText(field, text).or(() -> WireLimits.idTooLong(field, text));
  }

  private Optional<WireLimits.Violation> negativeBackoff() {
    return retryBackoffSeconds != null && retryBackoffSeconds < 0
            || retryBackoffCapSeconds != null && retryBackoffCapSeconds < 0
        ? Optional.of(
            new WireLimits.Violation("retry_backoff_seconds", "backoffs must be 0 or more"))
        : Optional.empty();
  }

  private static Optional<WireLimits.Violation> badText(String field, String text) {
    if (text == null) {
      return Optional.empty();
    }
    return WireLimits.badText(text).map(why -> new WireLimits.Violation(field, "text " + why));
  }

  private static Optional<WireLimits.Violation> above(String field, Integer n, int max) {
    return n != null && n > max
        ? Optional.of(new WireLimits.Violation(field, "must be at most " + max + ", not " + n))
        : Optional.empty();
  }

  private static Optional<WireLimits.Violation> belowOne(String field, Integer n) {
    return n != null && n < 1
        ? Optional.of(new WireLimits.Violation(field, "must be 1 or more, not " + n))
        : Optional.empty();
  }

  public JobRequest withRunId(RunId id) {
    return new JobRequest(
        id,
        jobName,
        params,
        tenantId,
        scope,
        attempt,
        maxAttempts,
        timeoutSeconds,
        trigger,
        requestedAt,
        requestedBy,
        parentRunId,
        retryBackoffSeconds,
        retryBackoffCapSeconds);
  }

  public JobRequest withParams(JsonNode p) {
    return new JobRequest(
        runId,
        jobName,
        p,
        tenantId,
        scope,
        attempt,
        maxAttempts,
        timeoutSeconds,
        trigger,
        requestedAt,
        requestedBy,
        parentRunId,
        retryBackoffSeconds,
        retryBackoffCapSeconds);
  }

  public JobRequest withTrigger(Trigger t) {
    return new JobRequest(
        runId,
        jobName,
        params,
        tenantId,
        scope,
        attempt,
        maxAttempts,
        timeoutSeconds,
        t,
        requestedAt,
        requestedBy,
        parentRunId,
        retryBackoffSeconds,
        retryBackoffCapSeconds);
  }

  public JobRequest withRequestedAt(Instant at) {
    return new JobRequest(
        runId,
        jobName,
        params,
        tenantId,
        scope,
        attempt,
        maxAttempts,
        timeoutSeconds,
        trigger,
        at,
        requestedBy,
        parentRunId,
        retryBackoffSeconds,
        retryBackoffCapSeconds);
  }

  /** Who {@link #nextAttempt} says requested an attempt: its retry timer. */
  public static final String RETRY_TIMER = "retry";

  /** The kind of the timer that sends a chain step's next attempt. */
  public static final String CHAIN_RETRY_TIMER = "chain-retry";

  /**
   * Whether this is an attempt its run's retry timer requested ({@link #nextAttempt}), not one
   * asked for by hand.
   */
  @JsonIgnore
  public boolean isAutomaticRetry() {
    return trigger != null
        && trigger.type() == TriggerType.RETRY
        && RETRY_TIMER.equals(requestedBy);
  }

  /** The next attempt of this run, requested at {@code now} by a retry timer. */
  public JobRequest nextAttempt(int maxAttemptsInForce, Instant now) {
    return new JobRequest(
        runId,
        jobName,
        params,
        tenantId,
        scope,
        attemptOrFirst() + 1,
        maxAttemptsInForce,
        timeoutSeconds,
        new Trigger(TriggerType.RETRY, null, null, null, null),
        now,
        RETRY_TIMER,
        parentRunId,
        retryBackoffSeconds,
        retryBackoffCapSeconds);
  }

  /**
   * A child of a per-tenant fan-out: one tenant (its scope is that tenant alone: each of a parent's
   * descendants has a child of its own, so a child acting on its subtree did their work again:
   * found by review), its own run id derived from the parent's.
   */
  public JobRequest childFor(String tenant, Instant now) {
    return new JobRequest(
        RunId.forChild(runId, tenant),
        jobName,
        params,
        tenant,
        Scope.TENANT,
        1,
        maxAttempts,
        timeoutSeconds,
        trigger,
        now,
        "fan-out",
        runId,
        retryBackoffSeconds,
        retryBackoffCapSeconds);
  }
}
