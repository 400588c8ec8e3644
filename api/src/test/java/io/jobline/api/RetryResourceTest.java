package io.jobline.api;

import static io.jobline.api.Callers.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.api.auth.Caller;
import io.jobline.api.auth.Role;
import io.jobline.chain.Chain;
import io.jobline.chain.ChainRun;
import io.jobline.chain.ChainStep;
import io.jobline.chain.OnFailure;
import io.jobline.chain.StepStatus;
import io.jobline.job.JobDescriptor;
import io.jobline.run.RunOptions;
import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.store.ChainRunStore;
import io.jobline.store.InMemoryCatalogueStore;
import io.jobline.store.InMemoryChainRunStore;
import io.jobline.store.InMemoryDeadLetterStore;
import io.jobline.store.InMemoryRunStore;
import io.jobline.topic.DeadLetter;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import io.jobline.wire.Scope;
import io.jobline.wire.Trigger;
import io.jobline.wire.TriggerType;
import io.jobline.wire.WireLimits;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class RetryResourceTest {
  private static final Instant T0 = Instant.parse("2026-12-05T12:00:00Z");

  @Test
  void aRetryOfAnAttemptARedriveAskedForIsRefusedBeforeAnythingIsSent() {
    // found by review: a run redriven with a corrected record reads retrying until its next
    // attempt starts; a retry then sent that attempt again with the run's old params, so it ran
    // twice, or with the params the redrive had corrected
    for (RunStatus shown : List.of(RunStatus.RETRYING, RunStatus.FAILED)) {
      // (failed: history has not folded the redrive's announcement yet)
      refusedWhile(shown);
    }
  }

  private static void refusedWhile(RunStatus shown) {
    InMemoryRunStore runs = new InMemoryRunStore(Clock.systemUTC());
    runs.upsertAll(List.of(ApiRuns.run("r1", "acme", shown, 0, 1, List.of())));
    InMemoryDeadLetterStore letters = new InMemoryDeadLetterStore();
    DeadLetter letter = letter("{}");
    letters.putAll(List.of(letter));
    letters.redriven(letter.id(), new DeadLetter.Redrive(T0, "admin", "r1", 2, true));
    // (no producers: anything sent would fail the test with a NullPointerException)
    RunsResource resource =
        ApiRuns.resource(
            runs, null, new AcceptedRuns((id, caller) -> Optional.empty()), letters, null);

    assertThatThrownBy(() -> resource.retry("r1", as(new Caller("ops", Role.OPERATOR, "acme"))))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status()).as(shown.wire()).isEqualTo(409);
              assertThat(e.getMessage()).contains("dead letter 'jobline.requests.dlq:0:7'");
            });
  }

  @Test
  void aRetryOrRedriveOfARunThatUsedItsLastAttemptIsRefusedBeforeAnythingIsSent() {
    // found by review: attempt 101 was answered 202, then refused by the executor, and the run
    // ended failed
    Redrivable f =
        new Redrivable(
            ApiRuns.run("r1", "acme", RunStatus.FAILED, 0, WireLimits.MAX_ATTEMPTS, List.of()));

    refused(f::retryAsAcmeOperator, 409, "max_attempts must be at most 100, not 101");
    refused(f::redriveAsAdmin, 409, "max_attempts must be at most 100, not 101");
  }

  @Test
  void aRedriveWhoseRequestKafkaDidNotTakeAfterItsAnnouncementMayBeAskedForAgain() {
    // found by review: the announcement (history reads the run retrying, with no time for the next
    // attempt) went out, the request did not (a 503); every later redrive was refused as "retrying;
    // redrive it once it has ended", which it never did, and the run read retrying for good
    Redrivable f = new Redrivable(ApiRuns.run("r1", "acme", RunStatus.RETRYING, 0, 1, List.of()));

    assertThatThrownBy(f::redriveAsAdmin)
        .as("passes every check, and fails sending: no producers here")
        .isNotInstanceOf(ApiException.class)
        .isInstanceOf(NullPointerException.class);
    // the send that failed gave its reservation of attempt 2 back
    assertThat(f.letters.reserveAttempt("r1", 2, "next", Instant.now())).isTrue();
  }

  @Test
  void aRetryByHandIsNeverTakenForTheRetryTimers() {
    assertThat(RunsResource.byHand("retry")).isEqualTo("retry (by hand)");
    assertThat(RunsResource.byHand("ops")).isEqualTo("ops");
  }

  @Test
  void aRedriveOfARunThatCompletedOrWasMissedIsRefusedBeforeAnythingIsSent() {
    // found by review: a letter redriven after a retry by hand had completed its run sent the run
    // again; history folds no attempt onto a completed (or missed) run, so it ran unseen
    for (RunStatus shown : List.of(RunStatus.COMPLETED, RunStatus.MISSED)) {
      Redrivable f = new Redrivable(ApiRuns.run("r1", "acme", shown, 0, 2, List.of()));

      refused(f::redriveAsAdmin, 409, "is " + shown.wire() + ";");
    }
  }

  @Test
  void aRetryAndARedriveOfTheSameAttemptAtOnceSendItOnce() {
    // found by review: each checked the run, then sent: a retry and a redrive (or two clicks) at
    // the same moment both sent the next attempt, which then ran with either's params, or twice
    Redrivable f = new Redrivable(ApiRuns.run("r1", "acme", RunStatus.FAILED, 0, 1, List.of()));
    // the other one holds attempt 2: it is sending it now
    assertThat(f.letters.reserveAttempt("r1", 2, "the other", Instant.now())).isTrue();

    refused(f::retryAsAcmeOperator, 409, "attempt 2 of run 'r1' was asked for");
    refused(f::redriveAsAdmin, 409, "attempt 2 of run 'r1' was asked for");
  }

  @Test
  void aRunThatActedBeyondItsTenantIsNotRetriedByATokenBoundToOne() {
    // found by review: the retry now runs with the run's scope, which an unbound admin may have
    // set (a redrive's corrected record); a tenant-bound operator's retry then acted on every
    // tenant, which that token could never ask for itself
    for (Scope scope : List.of(Scope.SYSTEM, Scope.PARENT_TENANT)) {
      Redrivable f =
          new Redrivable(
              ApiRuns.run(
                  "r1",
                  "acme",
                  RunStatus.FAILED,
                  0,
                  1,
                  List.of(),
                  new RunOptions(scope, null, null, null)));
      assertThatThrownBy(() -> f.retry.retry("r1", as(new Caller("ops", Role.OPERATOR, "acme"))))
          .isInstanceOfSatisfying(
              ApiException.class,
              e -> {
                assertThat(e.status()).as(scope.name()).isEqualTo(403);
                assertThat(e.getMessage()).contains("acts with scope");
              });
    }
  }

  /**
   * Run r1 as given, a dead letter of its request, job "sleep" in the catalogue, and both routes
   * with no producers: anything sent would fail the test with a NullPointerException.
   */
  private static final class Redrivable {
    final InMemoryDeadLetterStore letters = new InMemoryDeadLetterStore();
    final RunsResource retry;
    final DeadLettersResource redrive;

    Redrivable(RunRecord run) {
      this(run, null);
    }

    Redrivable(RunRecord run, ChainRunStore chainRuns) {
      InMemoryRunStore runs = new InMemoryRunStore(Clock.systemUTC());
      runs.upsertAll(List.of(run));
      letters.putAll(
          List.of(
              letter(
                  "{\"run_id\":\"r1\",\"job_name\":\"sleep\",\"tenant_id\":\"acme\","
                      + "\"params\":{}}")));
      InMemoryCatalogueStore catalogue = new InMemoryCatalogueStore();
      catalogue.publish(
          List.of(new JobDescriptor("sleep", "", 60, 0, Scope.TENANT, false, 0, null)), "e1");
      retry =
          ApiRuns.resource(
              runs,
              catalogue,
              new AcceptedRuns((id, caller) -> Optional.empty()),
              letters,
              chainRuns);
      redrive =
          new DeadLettersResource(
              new DeadLettersResource.Deps(
                  letters, runs, catalogue, null, null, null, null, chainRuns, Clock.systemUTC()));
    }

    void redriveAsAdmin() {
      redrive.redrive("jobline.requests.dlq:0:7", null, as(new Caller("root", Role.ADMIN, null)));
    }

    void retryAsAcmeOperator() {
      retry.retry("r1", as(new Caller("ops", Role.OPERATOR, "acme")));
    }
  }

  @Test
  void aStepRunOfAChainThatRetriesItIsNotRunAgainByHandWhileTheChainGoesOn() throws Exception {
    // found by review: a retry by hand (or a redrive) ran the step, and the chain's own retry ran
    // it again, while the chain never saw the first
    ChainRun started =
        ChainRun.start(
            "c1",
            Chain.chain(
                    "nightly",
                    "",
                    ChainStep.step("sleep").named("load").retry(2, 600),
                    ChainStep.step("sleep").named("lenient").onFailure(OnFailure.CONTINUE),
                    ChainStep.step("sleep").named("seen").onFailure(OnFailure.CONTINUE))
                .validate(j -> true),
            "acme",
            Json.object(),
            Trigger.manual(),
            T0,
            "test");
    // lenient's run is going as far as the chain has seen; seen's run ended failed, and the chain
    // went on past it
    InMemoryChainRunStore chainRuns = new InMemoryChainRunStore();
    chainRuns.create(
        started.withSteps(
            started.steps().stream()
                .map(
                    st ->
                        switch (st.name()) {
                          case "seen" ->
                              st.started(1, "r1", T0)
                                  .ended(StepStatus.FAILED, RunStatus.FAILED, T0);
                          case "lenient" -> st.started(1, "r1", T0);
                          default -> st;
                        })
                .toList()));
    ObjectNode json =
        Json.mapper().valueToTree(ApiRuns.run("r1", "acme", RunStatus.FAILED, 0, 1, List.of()));
    json.set(
        "trigger",
        Json.mapper().valueToTree(new Trigger(TriggerType.CHAIN, null, null, "c1", "load", null)));
    RunRecord step = Json.mapper().treeToValue(json, RunRecord.class);
    Redrivable f = new Redrivable(step, chainRuns);

    refused(f::retryAsAcmeOperator, 409, "of chain run 'c1'");
    refused(f::redriveAsAdmin, 409, "of chain run 'c1'");

    // one the chain has yet to see end would read to it as going, and the chain went on as if it
    // passed; one it does not run again (on_failure: continue) and has seen end is not held back
    json.set(
        "trigger",
        Json.mapper()
            .valueToTree(new Trigger(TriggerType.CHAIN, null, null, "c1", "lenient", null)));
    Redrivable lenient =
        new Redrivable(Json.mapper().treeToValue(json, RunRecord.class), chainRuns);
    refused(lenient::retryAsAcmeOperator, 409, "has yet to see this run end");
    json.set(
        "trigger",
        Json.mapper().valueToTree(new Trigger(TriggerType.CHAIN, null, null, "c1", "seen", null)));
    Redrivable seen = new Redrivable(Json.mapper().treeToValue(json, RunRecord.class), chainRuns);
    assertThatThrownBy(seen::retryAsAcmeOperator)
        .as("passes every check, and fails sending: no producers here")
        .isNotInstanceOf(ApiException.class)
        .isInstanceOf(NullPointerException.class);
  }

  /** {@code call} throws an ApiException with {@code status} whose message has {@code text}. */
  private static void refused(ThrowingCallable call, int status, String text) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(status);
              assertThat(e.getMessage()).contains(text);
            });
  }

  @Test
  void aPerTenantJobsRequestNamingAParentButNoTenantIsNotRedrivenNorRetried() {
    // found by review: the executor dead-letters such a request (it would run once with no tenant
    // as if one tenant's run of a fan-out), so a redrive or retry of it answered 202 for nothing
    JobDescriptor perTenant =
        new JobDescriptor("tenant-report", "", 60, 0, Scope.TENANT, true, 0, null);
    InMemoryCatalogueStore catalogue = new InMemoryCatalogueStore();
    catalogue.publish(List.of(perTenant), "e1");
    InMemoryDeadLetterStore letters = new InMemoryDeadLetterStore();
    letters.putAll(
        List.of(
            letter(
                "{\"run_id\":\"r1\",\"job_name\":\"tenant-report\","
                    + "\"parent_run_id\":\"p1\"}")));
    // (no producers: anything sent would fail the test with a NullPointerException)
    DeadLettersResource redrive =
        new DeadLettersResource(
            new DeadLettersResource.Deps(
                letters,
                new InMemoryRunStore(Clock.systemUTC()),
                catalogue,
                null,
                null,
                null,
                null,
                null,
                Clock.systemUTC()));

    refused(
        () ->
            redrive.redrive(
                "jobline.requests.dlq:0:7", null, as(new Caller("root", Role.ADMIN, null))),
        409,
        "parent_run_id");
    assertThat(perTenant.childWithoutTenant(RunId.of("p1"), null)).isPresent();
    assertThat(perTenant.childWithoutTenant(RunId.of("p1"), "acme")).isEmpty();
    assertThat(perTenant.childWithoutTenant(null, null)).as("a fan-out").isEmpty();
  }

  @Test
  void aRunHistoryCouldNotStoreIsNotRetriedWithoutItsParams() {
    // found by review: its stripped copy keeps no params, so the retry ran with none; one still
    // running when it was set aside reads failed, so the retry ran beside it
    RunRecord r = ApiRuns.run("r1", "acme", RunStatus.FAILED, 0, 1, List.of());
    RunRecord setAside =
        ApiRuns.run(
            "r1",
            "acme",
            RunStatus.FAILED,
            0,
            1,
            List.of(),
            null,
            null,
            RunRecord.SET_ASIDE + "document too large");

    refused(new Redrivable(setAside)::retryAsAcmeOperator, 409, "could not be stored by history");
    assertThat(setAside.setAside()).isTrue();
    assertThat(r.setAside()).isFalse();
  }

  @Test
  void aDeadLetterNamingARunIdTooLongToStoreIsRefusedWithTheReasonNotAskedToWait() {
    // found by review: its run never reaches history, and the redrive answered "not in the
    // history yet; try again in a moment" for good
    Redrivable f = new Redrivable(ApiRuns.run("r1", "acme", RunStatus.FAILED, 0, 1, List.of()));
    String id = "r".repeat(WireLimits.MAX_ID_CHARS + 88);
    f.letters.putAll(
        List.of(
            letter(
                "jobline.requests.dlq:0:8",
                id,
                T0,
                "{\"run_id\":\""
                    + id
                    + "\",\"job_name\":\"sleep\",\"tenant_id\":\"acme\",\"params\":{}}")));

    for (String body : Arrays.asList(null, "{\"job_name\":\"sleep\",\"tenant_id\":\"acme\"}")) {
      refused(
          () ->
              f.redrive.redrive(
                  "jobline.requests.dlq:0:8", body, as(new Caller("root", Role.ADMIN, null))),
          409,
          "is 600 characters long; at most 512 are accepted, so no run of it can be kept");
    }
  }

  private static DeadLetter letter(String value) {
    return letter("jobline.requests.dlq:0:7", "r1", T0, value);
  }

  /** Tenant acme's dead letter {@code id} of a request of job sleep for run {@code runId}. */
  private static DeadLetter letter(String id, String runId, Instant time, String value) {
    long offset = Long.parseLong(id.substring(id.lastIndexOf(':') + 1));
    return new DeadLetter(
        id,
        "jobline.requests.dlq",
        0,
        offset,
        time,
        "bad params",
        null,
        "jobline.requests",
        2,
        offset,
        "acme",
        "acme",
        "sleep",
        runId,
        value,
        false,
        null,
        DeadLetter.RUN_FAILED);
  }
}
