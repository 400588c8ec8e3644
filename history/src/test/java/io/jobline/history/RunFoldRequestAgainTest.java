package io.jobline.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A first attempt's request read again for a run that has one (a producer's retry, an
 * Idempotency-Key sent again to another api with other params, an outside producer): only the first
 * runs, so the run keeps what it asked.
 */
class RunFoldRequestAgainTest {
  private static final Instant T0 = Instant.parse("2026-12-06T08:00:00Z");
  private final RunFold fold = new RunFold(100);

  private static JobRequest request(String job, String tenant, String period, Instant at) {
    return JobRequest.manual(
        RunId.of("r1"), job, Json.object().put("period", period), tenant, at, "api");
  }

  private static RunEvent event(long seq, EventType type, int attempt, long epoch) {
    return new RunEvent(
        RunId.of("r1"),
        seq,
        type,
        T0.plusSeconds(seq),
        "exec-a",
        attempt,
        epoch,
        Json.object().put("result", "done"));
  }

  private RunRecord fold(RunRecord run, JobRequest q) {
    return fold.apply("r1", RunInput.of(q), run);
  }

  private RunRecord fold(RunRecord run, RunEvent e) {
    return fold.apply("r1", RunInput.of(e), run);
  }

  @Test
  void anotherRequestOfTheFirstAttemptLeavesWhatTheRunAskedAsItWas() {
    RunRecord first = fold(null, request("settle", "acme", "2026-03", T0));

    RunRecord again = fold(first, request("settle", "acme", "2026-04", T0.plusSeconds(5)));

    assertThat(again).isEqualTo(first);
    assertThat(again.params().get("period").asText()).isEqualTo("2026-03");
    assertThat(again.requestedAt()).isEqualTo(T0);
  }

  @Test
  void aRequestOfTheFirstAttemptNamingAnotherJobOrTenantIsRefused() {
    RunRecord done =
        fold(
            fold(
                fold(null, request("settle", "acme", "2026-03", T0)),
                event(1, EventType.STARTED, 1, 1)),
            event(2, EventType.COMPLETED, 1, 1));

    assertThatThrownBy(() -> fold(done, request("purge", "acme", "2026-03", T0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("job settle")
        .hasMessageContaining("names job purge");
    assertThatThrownBy(() -> fold(done, request("settle", "evil", "2026-03", T0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tenant acme");
    assertThat(fold(done, request("settle", "acme", "2026-03", T0))).isEqualTo(done);
  }

  @Test
  void aRequestNamingATenantForARunOfNoneIsRefused() {
    // found by review of the first fix: a copy naming a tenant put a run of no tenant (a system
    // run), its params, result and logs, in that tenant's listings
    RunRecord system = fold(null, request("cleanup", null, "all", T0));

    assertThatThrownBy(() -> fold(system, request("cleanup", "acme", "all", T0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is of no tenant");
    assertThatThrownBy(
            () ->
                fold(
                    fold(null, request("cleanup", "acme", "all", T0)),
                    request("cleanup", null, "all", T0)))
        .hasMessageContaining("names none");
  }

  @Test
  void theFirstRequestReadAfterALaterAttemptRanChangesNothing() {
    RunRecord second =
        fold(
            fold(
                fold(
                    fold(null, request("settle", "acme", "2026-03", T0)),
                    event(1, EventType.STARTED, 1, 1)),
                failedWithARetry()),
            event(1, EventType.STARTED, 2, 2));
    assertThat(second.status()).isEqualTo(RunStatus.RUNNING);
    // a redrive may run the next attempt under another job (its name corrected)
    RunRecord redriven =
        fold(
            second,
            new JobRequest(
                RunId.of("r1"),
                "settle-v2",
                Json.object(),
                "acme",
                null,
                2,
                3,
                null,
                null,
                T0,
                "api",
                null,
                null,
                null));

    assertThat(redriven.jobName()).isEqualTo("settle-v2");
    assertThat(fold(redriven, request("settle", "acme", "2026-03", T0))).isEqualTo(redriven);
  }

  private static RunEvent failedWithARetry() {
    RunEvent failed = event(2, EventType.FAILED, 1, 1);
    ((ObjectNode) failed.payload())
        .putObject("next_attempt")
        .put("due_at", T0.plusSeconds(60).toString());
    return failed;
  }

  @Test
  void theFirstRequestReadAfterItsRunsEndFillsInWhatTheEndDidNotCarry() {
    RunEvent end =
        new RunEvent(
            RunId.of("r1"),
            1,
            EventType.COMPLETED,
            T0.plusSeconds(1),
            "exec-a",
            1,
            1,
            Json.object().put("job_name", "settle").put("tenant_id", "acme"));
    RunRecord ended = fold(null, end);
    assertThat(ended.params()).isNull();

    RunRecord whole = fold(ended, request("settle", "acme", "2026-03", T0));

    assertThat(whole.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(whole.params().get("period").asText()).isEqualTo("2026-03");
    assertThat(whole.requestedAt()).isEqualTo(T0);
    assertThat(whole.trigger()).isNotNull();
  }
}
