package io.jobline.scheduler.chain;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.chain.Chain;
import io.jobline.chain.ChainRun;
import io.jobline.chain.ChainStatus;
import io.jobline.chain.ChainStep;
import io.jobline.chain.OnFailure;
import io.jobline.chain.StepRun;
import io.jobline.chain.StepStatus;
import io.jobline.run.RunStatus;
import io.jobline.scheduler.Scheduler;
import io.jobline.scheduler.SchedulerSettings;
import io.jobline.scheduler.lease.InMemoryLeaseStore;
import io.jobline.store.ChainRunStore;
import io.jobline.store.InMemoryChainRunStore;
import io.jobline.store.InMemoryRunStore;
import io.jobline.store.InMemoryScheduleStore;
import io.jobline.store.InMemoryTimerStore;
import io.jobline.testkit.SettableClock;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import io.jobline.wire.Trigger;
import io.jobline.wire.TriggerType;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

/** The orchestrator over in-memory stores; the test plays executor and history. */
class ChainOrchestratorTest {
  private static final Instant T0 = Instant.parse("2026-03-31T22:00:00Z");
  private final SettableClock clock = new SettableClock(T0);
  private final InMemoryChainRunStore chainRuns = new InMemoryChainRunStore();
  private final InMemoryRunStore runs = new InMemoryRunStore(clock);
  private final InMemoryTimerStore timers = new InMemoryTimerStore();
  private final InMemoryLeaseStore leases = new InMemoryLeaseStore();
  private final Fleet fleet = new Fleet(runs);

  private ChainOrchestrator orchestrator(String id) {
    return orchestrator(id, chainRuns);
  }

  private ChainOrchestrator orchestrator(String id, ChainRunStore store) {
    return new ChainOrchestrator(
        new ChainOrchestrator.Parts(store, runs, timers, leases, fleet, fleet::cancel),
        Duration.ofMillis(100),
        Duration.ofSeconds(15),
        id,
        clock);
  }

  /** A scheduler over the same timers: it fires the retry timers the orchestrator sets. */
  private Scheduler timerFiringScheduler() {
    SchedulerSettings settings = new SchedulerSettings();
    settings.schedulerId = "s1";
    return new Scheduler(new InMemoryScheduleStore(), timers, leases, runs, fleet, settings, clock);
  }

  private String start(Chain chain) {
    String id = "cr-" + chain.name();
    chainRuns.create(
        ChainRun.start(
            id,
            chain.validate(j -> true),
            "t1",
            Json.object().put("period", "2026-03"),
            Trigger.manual(),
            clock.instant(),
            "test"));
    return id;
  }

  private ChainRun run(String id) {
    return chainRuns.find(id).orElseThrow();
  }

  private StepStatus step(String id, String step) {
    return run(id).step(step).map(StepRun::status).orElseThrow();
  }

  @Test
  void aDiamondRunsItsTwoMiddleStepsTogetherAndTheLastAfterBoth() {
    String id = diamond();
    ChainOrchestrator o = orchestrator("o1");

    o.tick();
    assertThat(fleet.steps()).containsExactly("a");
    o.tick();
    assertThat(fleet.steps()).containsExactly("a");

    fleet.end("a", RunStatus.COMPLETED);
    o.tick();
    assertThat(fleet.steps()).containsExactly("a", "b", "c");
    assertThat(step(id, "b")).isEqualTo(StepStatus.RUNNING);
    assertThat(step(id, "c")).isEqualTo(StepStatus.RUNNING);

    fleet.end("b", RunStatus.COMPLETED);
    o.tick();
    assertThat(fleet.steps()).containsExactly("a", "b", "c");
    fleet.end("c", RunStatus.COMPLETED);
    o.tick();
    fleet.end("d", RunStatus.COMPLETED);
    o.tick();

    assertThat(fleet.steps()).containsExactly("a", "b", "c", "d");
    assertThat(run(id).status()).isEqualTo(ChainStatus.COMPLETED);
    assertThat(run(id).endedAt()).isEqualTo(T0);
    assertThat(chainRuns.active()).isEmpty();
    assertThat(fleet.requests)
        .extracting(JobRequest::runId)
        .containsExactly(
            RunId.forChainStep(id, "a", 1),
            RunId.forChainStep(id, "b", 1),
            RunId.forChainStep(id, "c", 1),
            RunId.forChainStep(id, "d", 1));
    assertThat(fleet.requests)
        .allSatisfy(
            r -> {
              assertThat(r.trigger().type()).isEqualTo(TriggerType.CHAIN);
              assertThat(r.trigger().chainRunId()).isEqualTo(id);
              assertThat(r.maxAttempts()).isEqualTo(1);
              assertThat(r.tenantId()).isEqualTo("t1");
            });
  }

  @Test
  void aChainRunWhoseSendOutlastsTheLeaseDoesNotKeepTheRunsAfterItWaiting() {
    // found by review: every pass went from the top of the list and stopped at the lease's end,
    // so a run whose step's send waited on Kafka each time kept every run after it from advancing
    Map<String, String> stepOf = new HashMap<>();
    for (int i = 0; i < 3; i++) {
      stepOf.put(start(Chain.linear("chain-" + i, "", List.of("step-" + i))), "step-" + i);
    }
    List<String> order = chainRuns.active();
    String stuck = stepOf.get(order.get(0));
    fleet.onSend.put(stuck, () -> clock.advance(Duration.ofSeconds(16)));
    fleet.refused.put(stuck, new IllegalStateException("Timed out waiting for a leader"));
    ChainOrchestrator o = orchestrator("o1");

    o.tick();
    assertThat(fleet.steps()).isEmpty();
    o.tick();

    assertThat(fleet.steps()).containsExactly(stepOf.get(order.get(1)), stepOf.get(order.get(2)));
    assertThat(step(order.get(1), stepOf.get(order.get(1)))).isEqualTo(StepStatus.RUNNING);
    assertThat(step(order.get(2), stepOf.get(order.get(2)))).isEqualTo(StepStatus.RUNNING);
  }

  @Test
  void monthEndReportsEvenWhenInvoicingFailsBecauseInvoicingContinues() {
    String id =
        start(
            Chain.chain(
                "month-end",
                "",
                ChainStep.step("settlement"),
                ChainStep.step("invoicing")
                    .dependsOn("settlement")
                    .onFailure(OnFailure.CONTINUE)
                    .params(Map.of("simulate_failure", true)),
                ChainStep.step("reporting").dependsOn("invoicing")));
    ChainOrchestrator o = orchestrator("o1");

    o.tick();
    fleet.end("settlement", RunStatus.COMPLETED);
    o.tick();
    fleet.end("invoicing", RunStatus.FAILED);
    o.tick();
    fleet.end("reporting", RunStatus.COMPLETED);
    o.tick();

    assertThat(fleet.steps()).containsExactly("settlement", "invoicing", "reporting");
    assertThat(step(id, "invoicing")).isEqualTo(StepStatus.FAILED);
    assertThat(run(id).step("invoicing").orElseThrow().runStatus()).isEqualTo(RunStatus.FAILED);
    assertThat(run(id).status()).isEqualTo(ChainStatus.COMPLETED_WITH_FAILURES);
    JobRequest invoicing = fleet.requests.get(1);
    assertThat(invoicing.params().path("period").asText()).isEqualTo("2026-03");
    assertThat(invoicing.params().path("simulate_failure").asBoolean()).isTrue();
  }

  @Test
  void aFailedStepThatStopsSkipsWhatDependsOnItAndFailsTheChain() {
    String id = start(Chain.linear("abc", "", List.of("a", "b", "c")));
    ChainOrchestrator o = orchestrator("o1");

    o.tick();
    fleet.end("a", RunStatus.COMPLETED);
    o.tick();
    fleet.end("b", RunStatus.TIMED_OUT);
    o.tick();

    assertThat(fleet.steps()).containsExactly("a", "b");
    assertThat(step(id, "c")).isEqualTo(StepStatus.SKIPPED);
    assertThat(run(id).status()).isEqualTo(ChainStatus.FAILED);
  }

  @Test
  void aStepWaitingForItsRetryRunsNoMoreOnceASiblingStopsTheChain() {
    // found by review: a sibling's failure stopped the chain, but the step's retry was still set
    // (or kept) and ran; the chain read running until its last retry
    String id =
        start(
            Chain.chain(
                "siblings",
                "",
                ChainStep.step("a").retry(3, 60),
                ChainStep.step("b"),
                ChainStep.step("c").retry(3, 60)));
    ChainOrchestrator o = orchestrator("o1");
    Scheduler scheduler = timerFiringScheduler();

    o.tick();
    fleet.end("c", RunStatus.FAILED); // waits for its retry
    o.tick();
    assertThat(step(id, "c")).isEqualTo(StepStatus.RETRYING);
    fleet.end("b", RunStatus.FAILED); // stops the chain
    fleet.end("a", RunStatus.FAILED); // in the same pass
    o.tick();
    clock.advance(Duration.ofSeconds(60));
    scheduler.cycle();
    o.tick();

    assertThat(fleet.requests).hasSize(3);
    assertThat(timers.earliest()).isEmpty();
    assertThat(step(id, "a")).isEqualTo(StepStatus.SKIPPED);
    assertThat(step(id, "c")).isEqualTo(StepStatus.SKIPPED);
    assertThat(step(id, "b")).isEqualTo(StepStatus.FAILED);
    assertThat(run(id).status()).isEqualTo(ChainStatus.FAILED);
  }

  @Test
  void aStepRunCancelledByHandIsNotRetriedNorLetsTheRestGoOn() {
    // found by review: the orchestrator took the cancel for a failure, ran the step again after
    // its delay (on_failure: retry), or ran what depended on it (on_failure: continue)
    String id =
        start(
            Chain.chain(
                "cancelled",
                "",
                ChainStep.step("load").retry(2, 30),
                ChainStep.step("lenient").onFailure(OnFailure.CONTINUE),
                ChainStep.step("after").dependsOn("load"),
                ChainStep.step("next").dependsOn("lenient")));
    ChainOrchestrator o = orchestrator("o1");
    Scheduler scheduler = timerFiringScheduler();

    o.tick();
    fleet.end("load", RunStatus.CANCELLED);
    fleet.end("lenient", RunStatus.CANCELLED);
    o.tick();
    clock.advance(Duration.ofSeconds(60));
    scheduler.cycle();
    o.tick();

    assertThat(fleet.steps()).containsExactly("load", "lenient");
    assertThat(fleet.requests).hasSize(2);
    assertThat(step(id, "load")).isEqualTo(StepStatus.CANCELLED);
    assertThat(step(id, "lenient")).isEqualTo(StepStatus.CANCELLED);
    assertThat(step(id, "after")).isEqualTo(StepStatus.SKIPPED);
    assertThat(step(id, "next")).isEqualTo(StepStatus.SKIPPED);
    assertThat(run(id).status()).isEqualTo(ChainStatus.CANCELLED);
    assertThat(timers.earliest()).isEmpty();
  }

  @Test
  void retryRunsTheStepAgainOnlyAfterItsDelayThroughASchedulerTimer() {
    String id =
        start(
            Chain.chain(
                "flaky",
                "",
                ChainStep.step("load").retry(2, 30),
                ChainStep.step("after").dependsOn("load")));
    ChainOrchestrator o = orchestrator("o1");
    Scheduler scheduler = timerFiringScheduler();

    o.tick();
    fleet.end("load", RunStatus.FAILED);
    o.tick();
    assertThat(step(id, "load")).isEqualTo(StepStatus.RETRYING);
    assertThat(run(id).step("load").orElseThrow().retryAt()).isEqualTo(T0.plusSeconds(30));

    clock.advance(Duration.ofSeconds(29));
    scheduler.cycle();
    o.tick();
    assertThat(fleet.requests).hasSize(1);

    clock.advance(Duration.ofSeconds(1));
    scheduler.cycle();
    assertThat(fleet.requests)
        .extracting(JobRequest::runId)
        .containsExactly(RunId.forChainStep(id, "load", 1), RunId.forChainStep(id, "load", 2));
    o.tick();
    assertThat(step(id, "load")).isEqualTo(StepStatus.RUNNING);
    assertThat(run(id).step("load").orElseThrow().attempt()).isEqualTo(2);

    fleet.end("load", RunStatus.FAILED);
    o.tick();
    clock.advance(Duration.ofSeconds(30));
    scheduler.cycle();
    fleet.end("load", RunStatus.FAILED);
    o.tick();

    assertThat(fleet.requests)
        .extracting(JobRequest::runId)
        .containsExactly(
            RunId.forChainStep(id, "load", 1),
            RunId.forChainStep(id, "load", 2),
            RunId.forChainStep(id, "load", 3));
    assertThat(step(id, "load")).isEqualTo(StepStatus.FAILED);
    assertThat(step(id, "after")).isEqualTo(StepStatus.SKIPPED);
    assertThat(run(id).status()).isEqualTo(ChainStatus.FAILED);
    assertThat(timers.earliest()).isEmpty();
  }

  @Test
  void aRetryThatSucceedsLetsTheChainGoOn() {
    String id =
        start(
            Chain.chain(
                "flaky",
                "",
                ChainStep.step("load").retry(1, 5),
                ChainStep.step("after").dependsOn("load")));
    ChainOrchestrator o = orchestrator("o1");
    Scheduler scheduler = timerFiringScheduler();

    o.tick();
    fleet.end("load", RunStatus.FAILED);
    o.tick();
    clock.advance(Duration.ofSeconds(5));
    scheduler.cycle();
    fleet.end("load", RunStatus.COMPLETED);
    o.tick();
    fleet.end("after", RunStatus.COMPLETED);
    o.tick();

    assertThat(fleet.steps()).containsExactly("load", "load", "after");
    assertThat(run(id).status()).isEqualTo(ChainStatus.COMPLETED);
  }

  @Test
  void anOrchestratorKilledBetweenTwoStepsIsReplacedAndEachStepRunsOnce() {
    String id = start(Chain.linear("two", "", List.of("first", "second")));
    ChainOrchestrator killed = orchestrator("o1");
    killed.tick();
    fleet.end("first", RunStatus.COMPLETED);

    // o1 never ticks again; o2 takes over once o1's lease has run out
    ChainOrchestrator fresh = orchestrator("o2");
    fresh.tick();
    assertThat(fleet.steps()).containsExactly("first");
    clock.advance(Duration.ofSeconds(16));
    fresh.tick();
    fleet.end("second", RunStatus.COMPLETED);
    fresh.tick();

    assertThat(fleet.steps()).containsExactly("first", "second");
    assertThat(run(id).status()).isEqualTo(ChainStatus.COMPLETED);
  }

  @Test
  void aCrashAfterSendingButBeforeSavingResendsTheSameRunIdsUnlessHistoryShowsThem() {
    String id = start(Chain.linear("two", "", List.of("first", "second")));
    ChainRunStore failingOnce = new FailingUpdates(chainRuns, 1);
    fleet.historyBehind = true; // (history has not written it yet)
    orchestrator("o1", failingOnce).tick();
    assertThat(step(id, "first")).isEqualTo(StepStatus.PENDING);
    fleet.historyBehind = false;

    ChainOrchestrator o = orchestrator("o1");
    o.tick();
    fleet.end("first", RunStatus.COMPLETED);
    o.tick();
    fleet.end("second", RunStatus.COMPLETED);
    o.tick();

    assertThat(fleet.requests)
        .extracting(JobRequest::runId)
        .containsExactly(
            RunId.forChainStep(id, "first", 1),
            RunId.forChainStep(id, "first", 1),
            RunId.forChainStep(id, "second", 1));
    assertThat(fleet.requests.stream().map(JobRequest::runId).distinct()).hasSize(2);
    assertThat(run(id).status()).isEqualTo(ChainStatus.COMPLETED);
  }

  @Test
  void aStepSentByAnOrchestratorThatStoppedBeforeRecordingItIsNotSentAgainOnceHistoryShowsIt() {
    // found by review: sent again after the crash, it ran twice once the executor that ran it no
    // longer remembered it (restarted, its partition moved, or 50,000 runs later)
    String id = start(Chain.linear("two", "", List.of("first", "second")));
    orchestrator("o1", new FailingUpdates(chainRuns, 1)).tick();
    assertThat(step(id, "first")).isEqualTo(StepStatus.PENDING);

    clock.advance(Duration.ofSeconds(16)); // (o1 stopped; its lease lapses)
    ChainOrchestrator o = orchestrator("o2");
    o.tick();
    assertThat(step(id, "first")).isEqualTo(StepStatus.RUNNING);
    fleet.end("first", RunStatus.COMPLETED);
    o.tick();

    assertThat(fleet.steps()).containsExactly("first", "second");
  }

  @Test
  void aStepSentButNotRecordedIsCancelledWithTheChain() {
    // found by review: the step's request went out, the write recording it failed, and a cancel
    // then skipped the step (still pending in the store) without cancelling it: it ran anyway
    String id = start(Chain.linear("two", "", List.of("first", "second")));
    orchestrator("o1", new FailingUpdates(chainRuns, 1)).tick();
    assertThat(fleet.steps()).containsExactly("first");
    assertThat(step(id, "first")).isEqualTo(StepStatus.PENDING);

    chainRuns.requestCancel(id);
    orchestrator("o1").tick();

    assertThat(fleet.cancels).containsExactly(RunId.forChainStep(id, "first", 1).value());
    assertThat(step(id, "first")).isEqualTo(StepStatus.SKIPPED);
    assertThat(step(id, "second")).isEqualTo(StepStatus.SKIPPED);
  }

  private String diamond() {
    return start(
        Chain.chain(
            "diamond",
            "",
            ChainStep.step("a"),
            ChainStep.step("b").dependsOn("a"),
            ChainStep.step("c").dependsOn("a"),
            ChainStep.step("d").dependsOn("b", "c")));
  }

  @Test
  void aStepKafkaRefusesForGoodFailsWithTheReasonAndItsSiblingIsSentOnce() {
    // found by review: one refused request failed the whole send, so nothing was recorded; every
    // tick sent the sibling again (an executor that restarted in between ran it twice) and the
    // chain never moved on
    String id = diamond();
    fleet.refused.put("b", new RecordTooLargeException("the request is too large"));
    ChainOrchestrator o = orchestrator("o1");
    o.tick();
    fleet.end("a", RunStatus.COMPLETED);
    o.tick();
    o.tick();

    assertThat(fleet.steps()).containsExactly("a", "c");
    assertThat(step(id, "c")).isEqualTo(StepStatus.RUNNING);
    assertThat(fleet.recorded)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.runId()).isEqualTo(RunId.forChainStep(id, "b", 1));
              assertThat(e.type()).isEqualTo(EventType.FAILED);
              assertThat(e.payload().path("error").asText()).contains("too large");
            });
    assertThat(step(id, "b")).isEqualTo(StepStatus.FAILED);
    assertThat(step(id, "d")).isEqualTo(StepStatus.SKIPPED);

    fleet.end("c", RunStatus.COMPLETED);
    o.tick();
    assertThat(run(id).status()).isEqualTo(ChainStatus.FAILED);
    assertThat(fleet.steps()).containsExactly("a", "c");
  }

  @Test
  void aStepKafkaDidNotTakeIsSentAgainWithoutItsSibling() {
    String id = diamond();
    ChainOrchestrator o = orchestrator("o1");
    o.tick();
    fleet.end("a", RunStatus.COMPLETED);
    fleet.refused.put("b", new TimeoutException("no broker"));
    o.tick();
    assertThat(step(id, "b")).isEqualTo(StepStatus.PENDING);
    assertThat(step(id, "c")).isEqualTo(StepStatus.RUNNING);

    fleet.refused.clear();
    o.tick();
    o.tick();

    assertThat(fleet.steps()).containsExactly("a", "c", "b");
    assertThat(step(id, "b")).isEqualTo(StepStatus.RUNNING);
    assertThat(fleet.recorded).isEmpty();
  }

  @Test
  void aRunStoredButNotMarkedActiveIsFoundWhenTheLeaseIsTaken() {
    String id = start(Chain.linear("one", "", List.of("only")));
    chainRuns.finished(id);

    orchestrator("o1").tick();

    assertThat(fleet.steps()).containsExactly("only");
  }

  @Test
  void aRunStoredButNotMarkedWhileTheLeaseIsHeldIsFoundWithinAMinute() {
    // found by review: the api stored a run and failed to mark it active; it read queued for as
    // long as the leader lived, and started at some later failover
    ChainOrchestrator o = orchestrator("o1");
    o.tick();
    String id = start(Chain.linear("one", "", List.of("only")));
    chainRuns.finished(id);
    o.tick();
    assertThat(fleet.steps()).isEmpty();

    clock.advance(ChainOrchestrator.RECONCILE_EVERY);
    o.tick();

    assertThat(fleet.steps()).containsExactly("only");
    assertThat(step(id, "only")).isEqualTo(StepStatus.RUNNING);
  }

  @Test
  void cancellingMidChainStopsTheRunningStepAndSkipsTheRest() {
    String id = start(Chain.linear("abc", "", List.of("a", "b", "c")));
    ChainOrchestrator o = orchestrator("o1");
    o.tick();
    fleet.end("a", RunStatus.COMPLETED);
    o.tick();

    chainRuns.requestCancel(id);
    o.tick();
    assertThat(fleet.cancels).containsExactly(RunId.forChainStep(id, "b", 1).value());
    assertThat(step(id, "c")).isEqualTo(StepStatus.SKIPPED);
    assertThat(run(id).status()).isEqualTo(ChainStatus.RUNNING);
    o.tick();
    assertThat(fleet.cancels).hasSize(1);

    fleet.end("b", RunStatus.CANCELLED);
    o.tick();
    assertThat(step(id, "b")).isEqualTo(StepStatus.CANCELLED);
    assertThat(run(id).status()).isEqualTo(ChainStatus.CANCELLED);
    assertThat(fleet.steps()).containsExactly("a", "b");
  }

  @Test
  void cancellingAWaitingRetryDropsItsTimer() {
    String id = start(Chain.chain("flaky", "", ChainStep.step("load").retry(3, 60)));
    ChainOrchestrator o = orchestrator("o1");
    o.tick();
    fleet.end("load", RunStatus.FAILED);
    o.tick();
    assertThat(timers.earliest()).isPresent();

    chainRuns.requestCancel(id);
    o.tick();

    assertThat(timers.earliest()).isEmpty();
    assertThat(step(id, "load")).isEqualTo(StepStatus.SKIPPED);
    assertThat(run(id).status()).isEqualTo(ChainStatus.CANCELLED);
  }

  @Test
  void aRetrySetButNotRecordedThatFiredIsNotSentASecondTime() {
    // found by review: the pass set attempt 2's timer, then its write failed; the timer fired, and
    // the next pass, reading attempt 1 failed still, set it again: attempt 2 was sent twice, and
    // ran
    // twice once the executor that ran it no longer remembered it
    String id = start(Chain.chain("flaky", "", ChainStep.step("load").retry(3, 0)));
    orchestrator("o1").tick();
    fleet.end("load", RunStatus.FAILED);
    orchestrator("o1", new FailingUpdates(chainRuns, 1)).tick();
    assertThat(step(id, "load")).as("not recorded").isEqualTo(StepStatus.RUNNING);
    timerFiringScheduler().cycle();
    assertThat(fleet.steps()).containsExactly("load", "load");

    ChainOrchestrator o = orchestrator("o1");
    o.tick();
    assertThat(timers.earliest()).as("attempt 2's timer, not set again").isEmpty();
    assertThat(run(id).step("load").orElseThrow().attempt()).isEqualTo(2);
    o.tick(); // (the pass after follows attempt 2's run, which history shows going)
    assertThat(step(id, "load")).isEqualTo(StepStatus.RUNNING);
    clock.advance(Duration.ofSeconds(60));
    timerFiringScheduler().cycle();
    fleet.end("load", RunStatus.COMPLETED);
    o.tick();

    assertThat(fleet.requests)
        .extracting(JobRequest::runId)
        .containsExactly(RunId.forChainStep(id, "load", 1), RunId.forChainStep(id, "load", 2));
    assertThat(run(id).status()).isEqualTo(ChainStatus.COMPLETED);
  }

  @Test
  void aRetrySetButNotRecordedDoesNotRunAfterTheChainIsCancelled() {
    // found by review: the pass set attempt 2's timer, then its write failed; cancelled, the step
    // read as attempt 1 failed was marked cancelled, and attempt 2 ran when its timer fired
    String id = start(Chain.chain("flaky", "", ChainStep.step("load").retry(3, 60)));
    orchestrator("o1").tick();
    fleet.end("load", RunStatus.FAILED);
    orchestrator("o1", new FailingUpdates(chainRuns, 1)).tick();
    assertThat(timers.earliest()).as("attempt 2's timer, set").isPresent();
    assertThat(step(id, "load")).as("not recorded").isEqualTo(StepStatus.RUNNING);

    chainRuns.requestCancel(id);
    orchestrator("o1").tick();

    assertThat(timers.earliest()).isEmpty();
    assertThat(fleet.cancels).contains(RunId.forChainStep(id, "load", 2).value());
    assertThat(step(id, "load")).isEqualTo(StepStatus.CANCELLED);
    assertThat(run(id).status()).isEqualTo(ChainStatus.CANCELLED);
    clock.advance(Duration.ofSeconds(120));
    timerFiringScheduler().cycle();
    assertThat(fleet.steps()).containsExactly("load");
  }

  @Test
  void onlyTheLeaseHolderOrchestrates() {
    start(Chain.linear("one", "", List.of("only")));
    orchestrator("o1").tick();
    orchestrator("o2").tick();
    assertThat(fleet.requests).hasSize(1);
  }

  /** A store whose first {@code failures} updates fail, as if the process died before writing. */
  private static final class FailingUpdates implements ChainRunStore {
    private final ChainRunStore inner;
    private int failures;

    FailingUpdates(ChainRunStore inner, int failures) {
      this.inner = inner;
      this.failures = failures;
    }

    @Override
    public boolean create(ChainRun run) {
      return inner.create(run);
    }

    @Override
    public Optional<ChainRun> find(String id) {
      return inner.find(id);
    }

    @Override
    public List<ChainRun> list(Query query) {
      return inner.list(query);
    }

    @Override
    public boolean update(ChainRun run, long epoch) {
      if (failures-- > 0) {
        throw new IllegalStateException("killed before the write");
      }
      return inner.update(run, epoch);
    }

    @Override
    public void requestCancel(String id) {
      inner.requestCancel(id);
    }

    @Override
    public List<String> active() {
      return inner.active();
    }

    @Override
    public void finished(String id) {
      inner.finished(id);
    }

    @Override
    public List<ChainRun> unfinished() {
      return inner.unfinished();
    }
  }
}
