package io.jobline.api;

import static io.jobline.api.Callers.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jobline.api.auth.Caller;
import io.jobline.api.auth.Role;
import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.store.InMemoryRunStore;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A run this api process accepted reads {@code queued} until history writes it, for a bounded time
 * and within bounded memory.
 */
class AcceptedRunsTest {
  private static final Instant T0 = Instant.parse("2026-12-05T05:00:00Z");

  /** The monotonic clock the test moves. */
  private long nanos = 42;

  private void advance(Duration d) {
    nanos += d.toNanos();
  }

  private AcceptedRuns accepted(Duration keepFor, int maxRuns, long maxBytes) {
    return new AcceptedRuns(
        () -> nanos, keepFor, maxRuns, maxBytes, (id, caller) -> Optional.empty());
  }

  /** Runs kept as by default, and those not kept looked for {@code elsewhere}. */
  private AcceptedRuns acceptedOr(AcceptedRuns.Elsewhere elsewhere) {
    return new AcceptedRuns(() -> nanos, AcceptedRuns.KEEP_FOR, 100, 1 << 20, elsewhere);
  }

  private static JobRequest request(String id, String tenant, int padBytes) {
    return JobRequest.manual(
        RunId.of(id),
        "sleep",
        Json.object().put("pad", "x".repeat(padBytes)),
        tenant,
        T0.minusMillis(5),
        "test");
  }

  @Test
  void anAcceptedRunReadsQueuedWithWhatItsRequestSaid() {
    AcceptedRuns accepted = accepted(AcceptedRuns.KEEP_FOR, 100, 1 << 20);
    accepted.accepted(request("r1", "acme", 3));

    RunRecord run = accepted.queued("r1").orElseThrow();
    assertThat(run.status()).isEqualTo(RunStatus.QUEUED);
    assertThat(run.runId().value()).isEqualTo("r1");
    assertThat(run.jobName()).isEqualTo("sleep");
    assertThat(run.tenantId()).isEqualTo("acme");
    assertThat(run.params().path("pad").asText()).isEqualTo("xxx");
    assertThat(run.attempt()).isEqualTo(1);
    assertThat(run.requestedAt()).isEqualTo(T0.minusMillis(5));
    assertThat(run.startedAt()).isNull();
    assertThat(accepted.queued("r2")).isEmpty();
  }

  @Test
  void itsSecretsAreNotKept() {
    AcceptedRuns accepted = accepted(AcceptedRuns.KEEP_FOR, 100, 1 << 20);
    accepted.accepted(
        JobRequest.manual(
            RunId.of("r1"),
            "sleep",
            Json.object().put("seconds", 1).put("api_token", "s3cr3t"),
            "acme",
            T0,
            "test"));
    RunRecord run = accepted.queued("r1").orElseThrow();
    assertThat(run.params().toString()).doesNotContain("s3cr3t");
    assertThat(run.params().path("seconds").asInt()).isEqualTo(1);
  }

  @Test
  void aRunIsKeptForItsTimeThenLetGo() {
    AcceptedRuns accepted = accepted(Duration.ofSeconds(120), 100, 1 << 20);
    accepted.accepted(request("r1", "acme", 1));
    advance(Duration.ofSeconds(120).minusMillis(1));
    assertThat(accepted.queued("r1")).isPresent();
    advance(Duration.ofMillis(1));
    assertThat(accepted.queued("r1")).isEmpty();
    assertThat(accepted.size()).isZero();
  }

  @Test
  void theOldestRunsAreLetGoPastTheirNumber() {
    AcceptedRuns accepted = accepted(Duration.ofMinutes(2), 2, 1 << 20);
    accepted.accepted(request("r1", "acme", 1));
    accepted.accepted(request("r2", "acme", 1));
    accepted.accepted(request("r3", "acme", 1));
    assertThat(accepted.queued("r1")).isEmpty();
    assertThat(accepted.queued("r2")).isPresent();
    assertThat(accepted.queued("r3")).isPresent();
  }

  @Test
  void theOldestRunsAreLetGoPastTheirParamsBytes() {
    // each run weighs its params ({"pad":"x…"}: 10 bytes more than the padding) plus 512
    long twoRuns = 2 * (512 + 1_010);
    AcceptedRuns accepted = accepted(Duration.ofMinutes(2), 100, twoRuns);
    accepted.accepted(request("r1", "acme", 1_000));
    accepted.accepted(request("r2", "acme", 1_000));
    assertThat(accepted.size()).isEqualTo(2);
    // the same run accepted again (a retried Idempotency-Key) is counted once
    accepted.accepted(request("r2", "acme", 1_000));
    assertThat(accepted.size()).isEqualTo(2);
    accepted.accepted(request("r3", "acme", 1_000));
    assertThat(accepted.queued("r1")).isEmpty();
    assertThat(accepted.queued("r2")).isPresent();
    assertThat(accepted.queued("r3")).isPresent();
  }

  @Test
  void aRunNotYetWrittenByHistoryIsShownQueuedToWhoMaySeeIt() {
    InMemoryRunStore store = new InMemoryRunStore(Clock.systemUTC());
    AcceptedRuns accepted = accepted(AcceptedRuns.KEEP_FOR, 100, 1 << 20);
    RunsResource resource = ApiRuns.resource(store, null, accepted, null, null);
    accepted.accepted(request("r1", "acme", 1));

    Map<String, Object> shown = resource.show("r1", as(new Caller("ops", Role.VIEWER, "acme")));
    assertThat(shown).containsEntry("status", "queued").containsEntry("tenant_id", "acme");
    assertThatThrownBy(() -> resource.show("r1", as(new Caller("x", Role.VIEWER, "other"))))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(404));
    assertThatThrownBy(() -> resource.show("r9", as(new Caller("ops", Role.VIEWER, "acme"))))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(404));
    // nor may another tenant cancel it, or follow its stream (both refused before anything is sent)
    assertThatThrownBy(() -> resource.cancel("r1", as(new Caller("x", Role.OPERATOR, "other"))))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(404));
    assertThatThrownBy(
            () ->
                resource.stream("r1", null, as(new Caller("x", Role.VIEWER, "other")), null, null))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(404));

    // once history wrote the run, the store's run is shown
    store.upsertAll(List.of(ApiRuns.run("r1", "acme", RunStatus.RUNNING, 2, 1, List.of())));
    assertThat(resource.show("r1", as(new Caller("ops", Role.VIEWER, "acme"))))
        .containsEntry("status", "running");
  }

  @Test
  void aRunAcceptedElsewhereIsLookedForOnTheTopicAndShownQueuedWithoutItsSecrets() {
    List<String> asked = new ArrayList<>();
    JobRequest other =
        JobRequest.manual(
            RunId.of("r9"),
            "sleep",
            Json.object().put("seconds", 1).put("api_token", "s3cr3t"),
            "acme",
            T0,
            "other-api");
    AcceptedRuns accepted =
        acceptedOr(
            (id, caller) -> {
              asked.add(id);
              return id.equals("r9") ? Optional.of(other) : Optional.empty();
            });
    accepted.accepted(request("r1", "acme", 3));

    assertThat(accepted.queued("r1")).isPresent();
    assertThat(asked).as("a run this process accepted is not looked for").isEmpty();
    RunRecord run = accepted.queued("r9").orElseThrow();
    assertThat(run.status()).isEqualTo(RunStatus.QUEUED);
    assertThat(run.tenantId()).isEqualTo("acme");
    assertThat(run.jobName()).isEqualTo("sleep");
    assertThat(run.params().toString()).doesNotContain("s3cr3t");
    assertThat(accepted.queued("r404")).isEmpty();
    assertThat(asked).containsExactly("r9", "r404");
  }

  @Test
  void aRequestFoundElsewhereThatNamesAnotherRunOrCannotBeCarriedIsNotShown() {
    JobRequest otherRun = request("r2", "acme", 3);
    JobRequest badTenant =
        JobRequest.manual(RunId.of("r3"), "sleep", null, "bad\uD800tenant", T0, "client");
    AcceptedRuns accepted =
        acceptedOr((id, caller) -> Optional.of(id.equals("r1") ? otherRun : badTenant));
    assertThat(accepted.queued("r1")).isEmpty();
    assertThat(accepted.queued("r3")).isEmpty();
  }

  @Test
  void aRunRetriedHereReadsRetryingUntilHistoryReadsTheRetryOrALaterAttempt() {
    // found by review: until history folded the retry's announcement, the run read failed here: a
    // cancel was a 409 "already ended" and a live stream ended, for an attempt about to run
    AcceptedRuns accepted = accepted(AcceptedRuns.KEEP_FOR, 100, 1 << 20);
    InMemoryRunStore store = new InMemoryRunStore(Clock.systemUTC());
    RunRecord failed = ApiRuns.run("r1", "acme", RunStatus.FAILED, 2, 1, List.of());
    store.upsertAll(List.of(failed));
    RunsResource resource = ApiRuns.resource(store, null, accepted, null, null);
    Caller ops = new Caller("ops", Role.VIEWER, "acme");
    assertThat(accepted.fresher(failed)).isSameAs(failed); // (nothing asked here)

    accepted.retried(failed, 2);

    assertThat(accepted.fresher(failed).status()).isEqualTo(RunStatus.RETRYING);
    assertThat(accepted.fresher(failed).logs()).isEqualTo(failed.logs());
    assertThat(resource.show("r1", as(ops))).containsEntry("status", "retrying");
    assertThat(
            resource
                .list(as(ops), null, null, null, null, null, null, null, null, null, null, null)
                .runs())
        .extracting(RunSummary::status)
        .containsExactly("retrying");
    assertThat(accepted.kept("r9")).isEmpty();
    // history reads the retry, the attempt it asked for, or a later end: history's record
    for (RunRecord later :
        List.of(
            ApiRuns.run("r1", "acme", RunStatus.RETRYING, 2, 1, List.of()),
            ApiRuns.run("r1", "acme", RunStatus.RUNNING, 2, 2, List.of()),
            ApiRuns.run("r1", "acme", RunStatus.FAILED, 2, 2, List.of()),
            ApiRuns.run("r1", "acme", RunStatus.COMPLETED, 2, 3, List.of()))) {
      assertThat(accepted.fresher(later)).isSameAs(later);
    }
    // and once it is no longer kept, history's record too
    advance(AcceptedRuns.KEEP_FOR.plusSeconds(1));
    assertThat(accepted.fresher(failed)).isSameAs(failed);
    assertThat(resource.show("r1", as(ops))).containsEntry("status", "failed");
  }

  @Test
  void aRetriedRunIsWeighedWholeSoTheBoundInBytesHolds() {
    // found by review: history's record, logs and all, was counted as 512 bytes and its params
    AcceptedRuns accepted = accepted(AcceptedRuns.KEEP_FOR, 100, 64 * 1024);
    RunRecord small = ApiRuns.run("small", "acme", RunStatus.FAILED, 2, 1, List.of());
    RunRecord large = ApiRuns.run("large", "acme", RunStatus.FAILED, 2_000, 1, List.of());
    accepted.retried(small, 2);
    accepted.retried(large, 2);

    // (the large one is not kept, and pushes out no other: found by review)
    assertThat(accepted.size()).isEqualTo(1);
    assertThat(accepted.fresher(small).status()).isEqualTo(RunStatus.RETRYING);
    assertThat(accepted.fresher(large)).isSameAs(large);
  }
}
