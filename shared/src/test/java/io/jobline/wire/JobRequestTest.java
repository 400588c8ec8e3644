package io.jobline.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.job.JobDescriptor;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class JobRequestTest {
  private static final String LONE = "a\uD800b";

  private static JobRequest request(
      String job, String tenant, String by, Integer attempt, Integer maxAttempts) {
    ObjectNode params = Json.object().put("n", 1);
    return new JobRequest(
        RunId.random(),
        job,
        params,
        tenant,
        null,
        attempt,
        maxAttempts,
        null,
        Trigger.manual(),
        Instant.EPOCH,
        by,
        null,
        null,
        null);
  }

  @Test
  void aFanOutsChildActsOnItsOwnTenantOnly() {
    JobRequest parent =
        new JobRequest(
            RunId.of("p1"),
            "report",
            null,
            "parent",
            Scope.PARENT_TENANT,
            1,
            3,
            null,
            Trigger.manual(),
            Instant.EPOCH,
            "api",
            null,
            null,
            null);
    JobRequest child = parent.childFor("child-1", Instant.EPOCH);
    assertThat(child.scope()).isEqualTo(Scope.TENANT);
    assertThat(child.tenantId()).isEqualTo("child-1");
    assertThat(child.parentRunId()).isEqualTo(RunId.of("p1"));
  }

  @Test
  void aJobDeclaringMoreRetriesThanTheBoundGetsTheBound() {
    // (refused, an executor upgraded past the bound would not start)
    assertThat(
            new JobDescriptor("x", "", 60, 500, Scope.TENANT, false, 0, null).defaultMaxAttempts())
        .isEqualTo(WireLimits.MAX_ATTEMPTS);
    assertThat(new JobDescriptor("x", "", 60, 2, Scope.TENANT, false, 0, null).defaultMaxAttempts())
        .isEqualTo(3);
  }

  @Test
  void aGoodRequestHasNoViolation() {
    assertThat(request("noop", "t1", "api", 1, 3).violation()).isEmpty();
  }

  @Test
  void anIdOrNameLongerThanTheLimitIsAViolationNamingItsField() {
    // found by review: a run id of hundreds of kilobytes put history's run state over Kafka's
    // largest record
    String longest = "x".repeat(WireLimits.MAX_ID_CHARS);
    String over = longest + "x";
    assertThat(request(longest, longest, "api", 1, 3).withRunId(RunId.of(longest)).violation())
        .isEmpty();
    assertThat(request("noop", "t1", "api", 1, 3).withRunId(RunId.of(over)).violation())
        .get()
        .satisfies(v -> assertThat(v.path()).isEqualTo("run_id"))
        .satisfies(
            v ->
                assertThat(v.reason())
                    .isEqualTo("is 513 characters long; at most 512 are accepted"));
    assertThat(request(over, "t1", "api", 1, 3).violation())
        .get()
        .extracting(WireLimits.Violation::path)
        .isEqualTo("job_name");
    assertThat(request("noop", over, "api", 1, 3).violation())
        .get()
        .extracting(WireLimits.Violation::path)
        .isEqualTo("tenant_id");
  }

  private static JobRequest withParent(JobRequest r, String parentRunId) {
    RunId parent = RunId.of(parentRunId);
    return new JobRequest(
        r.runId(),
        r.jobName(),
        r.params(),
        r.tenantId(),
        r.scope(),
        r.attempt(),
        r.maxAttempts(),
        r.timeoutSeconds(),
        r.trigger(),
        r.requestedAt(),
        r.requestedBy(),
        parent,
        r.retryBackoffSeconds(),
        r.retryBackoffCapSeconds());
  }

  @Test
  void aTriggersNamesAndTheParentRunIdAreBoundAsIdsAre() {
    // found by review: a redrive's corrected record carried a trigger schedule name of a megabyte
    // (answered 500), or of 200 KB (answered 202, then refused by the executor as too large)
    String longest = "x".repeat(WireLimits.MAX_ID_CHARS);
    String over = longest + "x";
    JobRequest r = request("noop", "t1", "api", 1, 3);
    assertThat(withParent(r.withTrigger(Trigger.chainStep(longest, longest)), longest).violation())
        .isEmpty();
    assertThat(r.withTrigger(Trigger.schedule(over, Instant.EPOCH)).violation())
        .get()
        .extracting(WireLimits.Violation::path)
        .isEqualTo("trigger.schedule");
    assertThat(r.withTrigger(Trigger.chainStep(over, "s")).violation())
        .get()
        .extracting(WireLimits.Violation::path)
        .isEqualTo("trigger.chain_run_id");
    assertThat(r.withTrigger(Trigger.chainStep("c", LONE)).violation())
        .get()
        .extracting(WireLimits.Violation::path)
        .isEqualTo("trigger.step");
    assertThat(withParent(r, over).violation())
        .get()
        .extracting(WireLimits.Violation::path)
        .isEqualTo("parent_run_id");
  }

  @Test
  void eachViolationNamesItsFieldAndTheFirstFieldInWireOrderIsTheOneNamed() {
    assertThat(request(LONE, "t1", "api", 1, 3).violation())
        .get()
        .extracting(WireLimits.Violation::path)
        .isEqualTo("job_name");
    assertThat(request("noop", LONE, LONE, 0, 0).violation())
        .get()
        .extracting(WireLimits.Violation::path)
        .isEqualTo("tenant_id");
    assertThat(request("noop", "t1", LONE, 0, 0).violation())
        .get()
        .extracting(WireLimits.Violation::path)
        .isEqualTo("requested_by");
    assertThat(request("noop", "t1", "api", 0, 0).violation())
        .get()
        .satisfies(v -> assertThat(v.path()).isEqualTo("attempt"))
        .satisfies(v -> assertThat(v.reason()).isEqualTo("must be 1 or more, not 0"));
    assertThat(request("noop", "t1", "api", 1, 0).violation())
        .get()
        .extracting(WireLimits.Violation::path)
        .isEqualTo("max_attempts");
    // found by review: two billion attempts, each kept on the run's document
    assertThat(request("noop", "t1", "api", 1, WireLimits.MAX_ATTEMPTS).violation()).isEmpty();
    assertThat(request("noop", "t1", "api", 1, WireLimits.MAX_ATTEMPTS + 1).violation())
        .get()
        .satisfies(v -> assertThat(v.path()).isEqualTo("max_attempts"))
        .satisfies(v -> assertThat(v.reason()).isEqualTo("must be at most 100, not 101"));
    JobRequest longBackoff =
        new JobRequest(
            RunId.random(),
            "noop",
            Json.object(),
            "t1",
            null,
            1,
            null,
            null,
            Trigger.manual(),
            Instant.EPOCH,
            "api",
            null,
            10,
            WireLimits.MAX_BACKOFF_SECONDS + 1);
    assertThat(longBackoff.violation())
        .get()
        .extracting(WireLimits.Violation::path)
        .isEqualTo("retry_backoff_cap_seconds");
    JobRequest badParams =
        new JobRequest(
            RunId.random(),
            "noop",
            Json.object().put("$where", 1),
            "t1",
            null,
            1,
            null,
            null,
            Trigger.manual(),
            Instant.EPOCH,
            "api",
            null,
            null,
            -1);
    assertThat(badParams.violation())
        .get()
        .extracting(WireLimits.Violation::path)
        .as("the backoffs come before the params")
        .isEqualTo("retry_backoff_seconds");
    JobRequest onlyParamsBad =
        JobRequest.manual(
            RunId.random(), "noop", Json.object().put("$where", 1), "t1", Instant.EPOCH, "api");
    assertThat(onlyParamsBad.violation())
        .get()
        .extracting(WireLimits.Violation::path)
        .isEqualTo("params.$where");
  }
}
