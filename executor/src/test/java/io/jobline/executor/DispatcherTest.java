package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jobline.job.JobDefinition;
import io.jobline.job.JobDescriptor;
import io.jobline.store.InMemoryTimerStore;
import io.jobline.store.TimerStore;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import io.jobline.wire.Scope;
import io.jobline.wire.Trigger;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The dispatcher's pass over the waiting requests, without a broker or a store. */
class DispatcherTest {
  private static final Instant T0 = Instant.parse("2026-12-05T12:00:00Z");
  private static final TopicPartition TP = new TopicPartition("jobline.requests", 3);
  private static final JobDefinition JOB =
      new JobDefinition(
          new JobDescriptor("flaky", "", 60, 2, Scope.TENANT, false, 0, null), null, null);

  /**
   * A claim store in which the first claim is another executor's still, and every later one fails
   * (the store unreachable).
   */
  private static ClaimStore heldThenFailing() {
    return new ClaimsAnswering(
        n -> {
          if (n == 0) {
            return new ClaimStore.Claim(
                ClaimStore.Outcome.HELD_ELSEWHERE, 4, T0.plusSeconds(30), null, false);
          }
          throw new IllegalStateException("the store timed out");
        });
  }

  private static Pending runningElsewhere(String runId, long offset) {
    JobRequest request =
        JobRequest.of(
            RunId.of(runId), "flaky", Json.object(), "t1", null, null, Trigger.manual(), T0, "t");
    return new Pending(JOB, request, TP, offset, () -> {}, null, runId + ":1", 0, 0, 100);
  }

  @Test
  void aRequestWaitingOnAnotherExecutorsClaimStaysQueuedWhenTheStoreFailsLaterInThePass() {
    // found by review: the pass took such a request out of its lane to put it back at the end,
    // and a failing claim after it in the same pass dropped it: its run never started and its
    // offset stayed open until the partition moved
    Clock clock = Clock.fixed(T0, ZoneOffset.UTC);
    ExecutorParts parts =
        new ExecutorParts(heldThenFailing(), new InMemoryTimerStore(), null, null);
    RunEnvironment env =
        new RunEnvironment(
            "exec-b", new ExecutorSettings(), parts, new EventPublisher(), clock, null);
    OwnedPartition owned = new OwnedPartition(TP);
    owned.leased = true;
    owned.epoch = 5;
    owned.hold = new Hold(T0.plusSeconds(60));
    Map<TopicPartition, OwnedPartition> partitions = new HashMap<>(Map.of(TP, owned));
    Dispatcher dispatcher =
        new Dispatcher(
            new Dispatcher.Context(
                env,
                partitions,
                new Lanes(200),
                OverflowPace.forTarget(1000, System.nanoTime()),
                null));
    dispatcher.add(runningElsewhere("r1", 7));
    dispatcher.add(runningElsewhere("r2", 8));

    assertThatThrownBy(dispatcher::dispatchOnce).hasMessageContaining("timed out");

    List<Pending> waiting = dispatcher.take(p -> true);
    assertThat(waiting)
        .extracting(p -> p.request().runId().value())
        .containsExactlyInAnyOrder("r1", "r2");
    assertThat(waiting)
        .filteredOn(p -> p.request().runId().value().equals("r1"))
        .extracting(Pending::notBefore)
        .as("it waits for the other executor's claim to lapse")
        .containsExactly(T0.plusSeconds(30).plusMillis(50));
  }

  @Test
  void anEndMadeVoidTakesItsRetryTimerBack() {
    // found by review: the timer stayed, so the next attempt ran while the void one ran again, or
    // after it completed
    InMemoryTimerStore timers = new InMemoryTimerStore();
    JobRequest next =
        JobRequest.of(
            RunId.of("r1"), "flaky", Json.object(), "t1", 2, null, Trigger.manual(), T0, "t");
    TimerStore.Timer set =
        new TimerStore.Timer(TimerStore.retryId("r1", 2), T0.plusSeconds(5), "retry", next);
    timers.set(set);
    timers.set(new TimerStore.Timer(TimerStore.retryId("r9", 2), T0.plusSeconds(5), "retry", next));
    RunEnvironment env =
        new RunEnvironment(
            "exec-b",
            new ExecutorSettings(),
            new ExecutorParts(null, timers, null, null),
            new EventPublisher(),
            Clock.fixed(T0, ZoneOffset.UTC),
            null);
    Dispatcher dispatcher =
        new Dispatcher(
            new Dispatcher.Context(
                env,
                new HashMap<>(),
                new Lanes(200),
                OverflowPace.forTarget(1000, System.nanoTime()),
                null));
    EndMark mark = new EndMark(runningElsewhere("r1", 7));
    mark.retryTimer(set);
    // one set again since under its id (an executor that took the partition over ran the attempt
    // again, and failed it again) is that executor's: it stays
    EndMark overtaken = new EndMark(runningElsewhere("r9", 8));
    overtaken.retryTimer(
        new TimerStore.Timer(TimerStore.retryId("r9", 2), T0.plusSeconds(4), "retry", next));

    dispatcher.forgetEnded(List.of(mark, overtaken));

    assertThat(timers.due(T0.plusSeconds(60), 10))
        .extracting(TimerStore.Timer::id)
        .containsExactly(TimerStore.retryId("r9", 2));
  }
}
