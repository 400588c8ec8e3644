package io.jobline.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.store.ChainAwareRuns;
import io.jobline.store.InMemoryChainRunStore;
import io.jobline.store.InMemoryRunStore;
import io.jobline.store.InMemoryTimerStore;
import io.jobline.store.RunStore;
import io.jobline.store.TimerStore;
import io.jobline.testkit.SettableClock;
import io.jobline.testkit.TestRuns;
import io.jobline.wire.JobRequest;
import io.jobline.wire.RunId;
import io.jobline.wire.Trigger;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class DueTimersTest {
  private static final Instant T0 = Instant.parse("2026-03-04T10:07:20Z");

  @Test
  void aTimerSentWhoseDeletionFailsIsNotTakenForOneKafkaRefused() {
    // found by review: the deletion was in the same try as the send, so a store refusing it with
    // an IllegalArgumentException had the run of a request just sent recorded as failed
    InMemoryTimerStore kept = new InMemoryTimerStore();
    JobRequest retry = SchedulerTest.retryOf("r1");
    kept.set(new TimerStore.Timer("retry:r1:2", T0, "retry", retry));
    TimerStore refusingDeletes =
        new TimerStore() {
          @Override
          public void set(Timer timer) {
            kept.set(timer);
          }

          @Override
          public List<Timer> due(Instant now, int limit) {
            return kept.due(now, limit);
          }

          @Override
          public Optional<Instant> earliest() {
            return kept.earliest();
          }

          @Override
          public void delete(String id) {
            throw new IllegalArgumentException("the store refused the deletion");
          }

          @Override
          public void deleteIfDue(String id, Instant dueAt) {
            throw new IllegalArgumentException("the store refused the deletion");
          }

          @Override
          public boolean postpone(String id, Instant dueAt, Instant to) {
            return kept.postpone(id, dueAt, to);
          }

          @Override
          public void setAside(Timer timer, String reason) {
            kept.setAside(timer, reason);
          }
        };
    SchedulerTest.Captured out = new SchedulerTest.Captured();

    InMemoryRunStore runs = new InMemoryRunStore(new SettableClock(T0));
    runs.upsertAll(List.of(TestRuns.retryingWithRetryDue(RunId.of("r1"), "noop", T0)));

    new DueTimers("a", refusingDeletes, runs, out, new SettableClock(T0), () -> true).fire();

    assertThat(out.requests).containsExactly(retry);
    assertThat(out.missed).as("no failure recorded for a run that was sent").isEmpty();
    assertThat(kept.setAside()).isEqualTo(Map.of());
    assertThat(kept.due(T0, 10)).as("it stays, to be sent again (same run id)").hasSize(1);
  }

  @Test
  void runsThatCannotBeReadHoldTheRetriesBackButNoOtherTimer() {
    // found by review: the read of the retries' runs, outside each timer's try, stopped every
    // timer of the cycle when it failed
    InMemoryTimerStore kept = new InMemoryTimerStore();
    JobRequest retry = SchedulerTest.retryOf("r1");
    JobRequest step = SchedulerTest.retryOf("chain-step").withTrigger(Trigger.manual());
    kept.set(new TimerStore.Timer("retry:r1:2", T0.minusSeconds(2), "retry", retry));
    kept.set(new TimerStore.Timer("chain-retry:s", T0.minusSeconds(1), "chain-retry", step));
    InMemoryRunStore shown = new InMemoryRunStore(new SettableClock(T0));
    shown.upsertAll(List.of(TestRuns.retryingWithRetryDue(RunId.of("r1"), "noop", T0)));
    SchedulerTest.Outage outage = new SchedulerTest.Outage();
    outage.down = true;
    RunStore runs =
        new ChainAwareRuns(outage.of(RunStore.class, shown), new InMemoryChainRunStore());
    SchedulerTest.Captured out = new SchedulerTest.Captured();
    DueTimers due = new DueTimers("a", kept, runs, out, new SettableClock(T0), () -> true);

    due.fire();
    assertThat(out.requests).containsExactly(step);
    assertThat(kept.due(T0, 10)).extracting(TimerStore.Timer::id).containsExactly("retry:r1:2");

    outage.down = false;
    due.fire();
    assertThat(out.requests).containsExactly(step, retry);
  }

  @Test
  void aChainStepsRetryTimerWhoseAttemptHistoryShowsIsDroppedNotSentAgain() {
    // found by review: an orchestrator that set the timer and then could not record the step
    // retrying set it again at its next pass, after the first had fired: the attempt was sent twice
    InMemoryTimerStore kept = new InMemoryTimerStore();
    JobRequest sentBefore = TenantDown.step("c1-load-2", "t1", T0);
    JobRequest notYet = TenantDown.step("c2-load-2", "t1", T0);
    kept.set(new TimerStore.Timer("chain-retry:c1-load-2", T0, "chain-retry", sentBefore));
    kept.set(new TimerStore.Timer("chain-retry:c2-load-2", T0, "chain-retry", notYet));
    InMemoryRunStore shown = new InMemoryRunStore(new SettableClock(T0));
    shown.upsertAll(List.of(TestRuns.retryingWithRetryDue(RunId.of("c1-load-2"), "noop", T0)));
    SchedulerTest.Captured out = new SchedulerTest.Captured();

    new DueTimers(
            "a",
            kept,
            new ChainAwareRuns(shown, new InMemoryChainRunStore()),
            out,
            new SettableClock(T0),
            () -> true)
        .fire();

    assertThat(out.requests).containsExactly(notYet);
    assertThat(kept.due(T0.plusSeconds(60), 10)).isEmpty();
  }

  @Test
  void aRetryTimerWhoseAttemptHistoryShowsIsTakenAwayNotSentAgain() {
    // found by review: a timer that outlived its send (its deletion failed, or the leader lost its
    // lease before it) was sent again though history showed its attempt, "which an executor runs
    // once": but only while that executor remembers it, and the attempt ran twice
    InMemoryTimerStore kept = new InMemoryTimerStore();
    JobRequest sentBefore = SchedulerTest.retryOf("r1");
    JobRequest notYet = SchedulerTest.retryOf("r2");
    kept.set(new TimerStore.Timer("retry:r1:2", T0, "retry", sentBefore));
    kept.set(new TimerStore.Timer("retry:r2:2", T0, "retry", notYet));
    InMemoryRunStore shown = new InMemoryRunStore(new SettableClock(T0));
    RunRecord ranAttempt2 =
        TestRuns.atAttempt(RunId.of("r1"), "noop", "t1", RunStatus.COMPLETED, 2);
    shown.upsertAll(
        List.of(ranAttempt2, TestRuns.retryingWithRetryDue(RunId.of("r2"), "noop", T0)));
    SchedulerTest.Captured out = new SchedulerTest.Captured();

    new DueTimers("a", kept, shown, out, new SettableClock(T0), () -> true).fire();

    assertThat(out.requests).containsExactly(notYet);
    assertThat(kept.due(T0.plusSeconds(60), 10)).as("both taken away").isEmpty();
  }

  @Test
  void theRunsOfTheRetriesDueAreReadInOneGoThroughTheSchedulersStore() {
    // found by review: the scheduler's store read them one by one, inside its firing loop
    InMemoryTimerStore kept = new InMemoryTimerStore();
    InMemoryRunStore shown = new InMemoryRunStore(new SettableClock(T0));
    List<JobRequest> retries = new ArrayList<>();
    for (String run : List.of("r1", "r2", "r3")) {
      JobRequest retry = SchedulerTest.retryOf(run);
      retries.add(retry);
      kept.set(new TimerStore.Timer("retry:" + run + ":2", T0, "retry", retry));
      shown.upsertAll(List.of(TestRuns.retryingWithRetryDue(RunId.of(run), "noop", T0)));
    }
    List<String> asked = new ArrayList<>();
    RunStore counted =
        (RunStore)
            Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {RunStore.class},
                (proxy, method, args) -> {
                  asked.add(method.getName());
                  return method.invoke(shown, args);
                });
    SchedulerTest.Captured out = new SchedulerTest.Captured();

    new DueTimers(
            "a",
            kept,
            new ChainAwareRuns(counted, new InMemoryChainRunStore()),
            out,
            new SettableClock(T0),
            () -> true)
        .fire();

    assertThat(out.requests).containsExactlyInAnyOrderElementsOf(retries);
    assertThat(asked).containsExactly("findAll");
  }

  @Test
  void aThousandTimersInFlightDoNotHoldBackTheTimersDueAfterThem() {
    // found by review: the look read the first thousand timers due, which were those in flight
    InMemoryTimerStore kept = new InMemoryTimerStore();
    for (int i = 0; i < 1500; i++) {
      JobRequest step = TenantDown.step("x-" + i, "x", T0);
      kept.set(
          new TimerStore.Timer("chain-retry:x-" + i, T0.minusSeconds(10), "chain-retry", step));
    }
    JobRequest other = TenantDown.step("t1-step", "t1", T0);
    kept.set(new TimerStore.Timer("chain-retry:t1", T0.minusSeconds(1), "chain-retry", other));
    TenantDown xDown = new TenantDown("x", CompletableFuture::new);
    List<JobRequest> sent = xDown.sent;
    DueTimers due =
        new DueTimers(
            "a",
            kept,
            new InMemoryRunStore(new SettableClock(T0)),
            xDown,
            new SettableClock(T0),
            () -> true);

    due.fire();
    due.fire();

    // found by review of the first form: while Kafka did not answer, each look sent a thousand
    // more of that tenant's
    assertThat(sent.stream().filter(r -> "x".equals(r.tenantId())))
        .as("at most this many of one tenant's unanswered at once")
        .hasSize(DueTimers.MAX_IN_FLIGHT_PER_TENANT);
    assertThat(sent).last().isEqualTo(other);
    assertThat(kept.due(T0.plusSeconds(10), 2000)).hasSize(1500);

    // found by review of the cap: with more of one tenant's due than a look reads, the other
    // tenants' waited behind them; those over the cap are put off behind the others
    JobRequest later = TenantDown.step("t2-step", "t2", T0);
    kept.set(new TimerStore.Timer("chain-retry:t2", T0, "chain-retry", later));
    due.fire();
    assertThat(sent).last().isEqualTo(later);
  }
}
