package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.jobline.job.JobContext;
import io.jobline.job.JobDefinition;
import io.jobline.job.JobDescriptor;
import io.jobline.store.InMemoryTimerStore;
import io.jobline.store.TimerStore;
import io.jobline.topic.KafkaSettings;
import io.jobline.topic.Topics;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import io.jobline.wire.Scope;
import io.jobline.wire.Trigger;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The dispatcher's pass over the waiting requests, without a broker or a store. */
public class DispatcherTest {
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
    OwnedPartition owned = leased(TP, 5);
    Map<TopicPartition, OwnedPartition> partitions = new HashMap<>(Map.of(TP, owned));
    Dispatcher dispatcher = dispatcher(env, partitions);
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
    Dispatcher dispatcher = dispatcher(env, new HashMap<>());
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

  @Test
  void aCopyNamingAClaimOfAFanOutThatEndedHereGoesThroughTheTakeoverWithItsChildren() {
    // found by review: a parent that ended here under a claim after its partition went elsewhere
    // leaves its children to the takeover; the partition back here, its copy was taken for a
    // duplicate of a run that ended here, and the children were never sent
    JobDefinition fanOut =
        new JobDefinition(
            new JobDescriptor("flaky", "", 60, 2, Scope.TENANT, true, 0, null), null, null);
    var result = Json.object().put("fanned_out", 1);
    result.putArray("children").add(Json.object().put("tenant_id", "a").put("run_id", "x"));
    var payload = Json.object();
    payload.set("result", result);
    RunEvent end =
        new RunEvent(RunId.of("r1"), 3, EventType.COMPLETED, T0, "exec-b", 1, 6, payload);
    String json =
        new String(
            Topics.EVENTS.valueSerde().serializer().serialize(Topics.EVENTS.name(), end),
            StandardCharsets.UTF_8);
    ClaimStore finished =
        new ClaimsAnswering(
            n -> new ClaimStore.Claim(ClaimStore.Outcome.ALREADY_DONE, 6, null, json, false));
    EventPublisher events = new EventPublisher();
    RunEnvironment env =
        new RunEnvironment(
            "exec-b",
            new ExecutorSettings(),
            new ExecutorParts(finished, new InMemoryTimerStore(), null, null),
            events,
            Clock.fixed(T0, ZoneOffset.UTC),
            null);
    OwnedPartition owned = new OwnedPartition(TP);
    owned.leased = true;
    owned.epoch = 7;
    owned.hold = new Hold(T0.plusSeconds(60));
    Dispatcher dispatcher = dispatcher(env, new HashMap<>(Map.of(TP, owned)));
    Pending ran = runningElsewhere("r1", 7);
    Pending here = new Pending(fanOut, ran.request(), TP, 7, () -> {}, null, null, 6, 6, 100);
    // (it ended here, under its claim, after its partition went elsewhere: without its children)
    dispatcher.outcomes().finished(here, false);

    dispatcher.add(new Pending(fanOut, ran.request(), TP, 7, () -> {}, null, "r1:1", 0, 0, 100));
    dispatcher.dispatchOnce();

    List<EventPublisher.Outgoing> out = events.drain(new Fences(), voided -> {});
    assertThat(out).hasSize(1);
    assertThat(out.get(0).event().type()).isEqualTo(EventType.COMPLETED);
    assertThat(out.get(0).requests())
        .extracting(r -> r.request().runId())
        .containsExactly(RunId.forChild(RunId.of("r1"), "a"));
  }

  @Test
  void copiesOfAnAttemptThatEndedHereOrWaitsTwiceAreNotMovedToTheOverflowLane() {
    // found by review: moved, a copy was read by the overflow partition's executor, which knows
    // nothing of its twin here, and the same attempt could run on two executors at once
    RunEnvironment env =
        new RunEnvironment(
            "exec-b",
            new ExecutorSettings(),
            new ExecutorParts(heldThenFailing(), new InMemoryTimerStore(), null, null),
            new EventPublisher(),
            Clock.fixed(T0, ZoneOffset.UTC),
            null);
    Dispatcher dispatcher = dispatcher(env, new HashMap<>());
    dispatcher.outcomes().finished(waiting("r-done", 1)); // (it ended here)
    dispatcher.add(waiting("r-done", 2));
    dispatcher.add(waiting("r-twice", 3));
    dispatcher.add(waiting("r-twice", 4));
    dispatcher.add(waiting("r-once", 5));

    assertThat(dispatcher.takeToMove(p -> true))
        .extracting(p -> p.request().runId().value())
        .containsExactly("r-once");
    assertThat(dispatcher.take(p -> true))
        .extracting(p -> p.request().runId().value())
        .as("they stay, to be told duplicates here")
        .containsExactlyInAnyOrder("r-done", "r-twice", "r-twice");
  }

  private static Pending waiting(String runId, long offset) {
    JobRequest request =
        JobRequest.of(
            RunId.of(runId), "flaky", Json.object(), "t1", null, null, Trigger.manual(), T0, "t");
    return new Pending(JOB, request, TP, offset, () -> {}, null, null, 0, 0, 100);
  }

  private static Dispatcher dispatcher(
      RunEnvironment env, Map<TopicPartition, OwnedPartition> partitions) {
    return dispatcher(env, partitions, null);
  }

  private static Dispatcher dispatcher(
      RunEnvironment env, Map<TopicPartition, OwnedPartition> partitions, Runs runs) {
    return new Dispatcher(
        new Dispatcher.Context(
            env,
            partitions,
            new Lanes(200),
            OverflowPace.forTarget(1000, System.nanoTime()),
            runs));
  }

  /** Runs of executor exec-b, on {@code claims}, sending to {@code events}. */
  private static RunEnvironment env(
      ClaimStore claims, EventPublisher events, Clock clock, ScheduledExecutorService watchdog) {
    return env(new ExecutorSettings(), claims, events, clock, watchdog);
  }

  private static RunEnvironment env(
      ExecutorSettings settings,
      ClaimStore claims,
      EventPublisher events,
      Clock clock,
      ScheduledExecutorService watchdog) {
    return new RunEnvironment(
        "exec-b",
        settings,
        new ExecutorParts(claims, new InMemoryTimerStore(), null, null),
        events,
        clock,
        watchdog);
  }

  /** {@code tp}, leased under {@code epoch} for a minute from T0. */
  private static OwnedPartition leased(TopicPartition tp, long epoch) {
    OwnedPartition owned = new OwnedPartition(tp);
    owned.leased = true;
    owned.epoch = epoch;
    owned.hold = new Hold(T0.plusSeconds(60));
    return owned;
  }

  private static Runs runs(
      RunEnvironment env,
      Map<TopicPartition, OwnedPartition> partitions,
      Fences fences,
      ExecutorService threads,
      Clock clock) {
    return new Runs(
        env,
        partitions,
        new LeaseKeeper(null, "exec-b", Duration.ofSeconds(30), clock),
        fences,
        new ControlListener(new KafkaSettings(), "test", (run, attempt) -> {}), // (not read)
        threads);
  }

  /** A job that runs {@link #quick}. */
  private JobDefinition quickJob() throws NoSuchMethodException {
    return new JobDefinition(
        new JobDescriptor("quick", "", 60, 0, Scope.TENANT, false, 0, null),
        this,
        DispatcherTest.class.getMethod("quick", JobContext.class));
  }

  /** A job that succeeds at once. */
  public String quick(JobContext ctx) {
    return "done";
  }

  @Test
  void aPartitionLostDuringAPassFencesTheRunThePassStarts() throws Exception {
    // found by review: the fence looked at the runs going on while a pass, waiting on the claim of
    // a run taken over, had yet to launch it; it then ran and published its end, and the next
    // owner of the partition ran its request again
    CountDownLatch asked = new CountDownLatch(1);
    CountDownLatch answer = new CountDownLatch(1);
    ClaimStore claims =
        new KeptClaims(
            () -> {
              asked.countDown();
              try {
                answer.await(10, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return new ClaimStore.Claim(
                  ClaimStore.Outcome.CLAIMED, 9, T0.plusSeconds(30), null, false);
            }); // (its end is kept on the claim, then published)
    Clock clock = Clock.fixed(T0, ZoneOffset.UTC);
    EventPublisher events = new EventPublisher();
    ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor();
    RunEnvironment env = env(claims, events, clock, watchdog);
    OwnedPartition owned = leased(TP, 5);
    Map<TopicPartition, OwnedPartition> partitions = new HashMap<>(Map.of(TP, owned));
    Fences fences = new Fences();
    ExecutorService threads = Executors.newSingleThreadExecutor();
    CountDownLatch poolFree = Contenders.hold(threads); // (the run waits for its thread)
    Runs runs = runs(env, partitions, fences, threads, clock);
    Dispatcher dispatcher = dispatcher(env, partitions, runs);
    JobDefinition job = quickJob();
    JobRequest request =
        JobRequest.of(
            RunId.of("r1"), "quick", Json.object(), "t1", null, null, Trigger.manual(), T0, "t");
    dispatcher.add(new Pending(job, request, TP, 7, () -> {}, null, "r1:1", 0, 0, 100));
    try {
      Thread pass = new Thread(dispatcher::dispatchOnce, "test-pass");
      pass.start();
      assertThat(asked.await(10, TimeUnit.SECONDS)).isTrue();
      Thread lost = Contenders.startAndAwaitBlockedOrDone(() -> dispatcher.fence(TP), "test-lost");
      answer.countDown();
      pass.join(10_000);
      lost.join(10_000);
      poolFree.countDown();
      await().atMost(Duration.ofSeconds(10)).until(() -> runs.all().isEmpty());

      assertThat(runs.started()).as("the pass launched it").isEqualTo(1);
      assertThat(owned.mayStart(T0)).as("nothing more starts there").isFalse();
      assertThat(events.drain(fences, voided -> {}))
          .as("nothing it does after its partition was lost is published")
          .isEmpty();
    } finally {
      poolFree.countDown();
      threads.shutdownNow();
      watchdog.shutdownNow();
    }
  }

  @Test
  void aRequestMovedAsideRunsUnderAnEpochAboveTheOneItHadWhereItCameFrom() throws Exception {
    // found by review: it ran under the overflow partition's own epoch (3), below the one its
    // attempt had run under in the main lane (80) before that run was voided, and history took
    // its events for a fenced execution's: the run showed running for good
    Clock clock = Clock.fixed(T0, ZoneOffset.UTC);
    EventPublisher events = new EventPublisher();
    ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor();
    RunEnvironment env = env(null, events, clock, watchdog);
    TopicPartition overflow = new TopicPartition(Topics.REQUESTS_OVERFLOW.name(), 3);
    OwnedPartition owned = leased(overflow, 3);
    Map<TopicPartition, OwnedPartition> partitions = new HashMap<>(Map.of(overflow, owned));
    Fences fences = new Fences();
    ExecutorService threads = Executors.newSingleThreadExecutor();
    Runs runs = runs(env, partitions, fences, threads, clock);
    Dispatcher dispatcher = dispatcher(env, partitions, runs);
    JobDefinition job = quickJob();
    JobRequest request =
        JobRequest.of(
            RunId.of("r1"), "quick", Json.object(), "t1", null, null, Trigger.manual(), T0, "t");
    dispatcher.add(
        new Pending(job, request, overflow, 7, () -> {}, null, null, 0, 0, 100).movedUnder(80));
    try {
      dispatcher.dispatchOnce();
      await().atMost(Duration.ofSeconds(10)).until(() -> runs.all().isEmpty());

      List<RunEvent> sent =
          events.drain(fences, voided -> {}).stream().map(o -> o.event()).toList();
      assertThat(sent).as("its end").isNotEmpty();
      assertThat(sent).extracting(RunEvent::epoch).containsOnly(83L);
    } finally {
      threads.shutdownNow();
      watchdog.shutdownNow();
    }
  }

  /** The runs {@link #stubborn} and {@link #quick} jobs entered, in order. */
  private final List<String> entered = Collections.synchronizedList(new ArrayList<>());

  /** Counted down to let {@link #stubborn} return. */
  private final CountDownLatch letGo = new CountDownLatch(1);

  /** A job that ignores its stop and every interrupt until the test lets it go. */
  public String stubborn(JobContext ctx) {
    entered.add(ctx.runId().value());
    while (true) {
      try {
        letGo.await();
        return "done";
      } catch (InterruptedException ignored) {
        // (it ignores this too, and waits on)
      }
    }
  }

  /** A job that succeeds at once, noting that it ran. */
  public String noted(JobContext ctx) {
    entered.add(ctx.runId().value());
    return "done";
  }

  @Test
  void anAbandonedRunFreesItsWorkerButKeepsItsJobsCountUntilItsThreadLeavesTheJob()
      throws Exception {
    // found by review: abandoning a job that ignored its timeout freed its job's count with its
    // worker, so a maxConcurrency = 1 job's next run started beside the one still running
    List<RunEvent> sent = abandonWhileCapped(null, 0, () -> {});
    assertThat(sent)
        .filteredOn(e -> e.runId().value().equals("r1") && e.type().terminal())
        .extracting(RunEvent::type)
        .as("r1 ended once, timed out: what it returned after it was abandoned is not sent")
        .containsExactly(EventType.TIMED_OUT);
  }

  @Test
  void anAbandonedRunWhoseClaimWouldNotTakeItsEndKeepsItsJobsCountToo() throws Exception {
    // found by review of the fix above: an end its claim would not take comes back as a copy of
    // the request, waiting for the claim, and the copy's release freed the job's count at once
    CountDownLatch refused = new CountDownLatch(1);
    ClaimStore claims =
        new ClaimStore() {
          @Override
          public Claim claim(String key, String owner, Instant now, Duration ttl) {
            return new Claim(Outcome.HELD_ELSEWHERE, 0, T0.plusSeconds(600), null, false);
          }

          @Override
          public boolean renew(String key, String owner, long epoch, Instant now, Duration ttl) {
            return true;
          }

          @Override
          public boolean finish(String key, String owner, long epoch, String terminalEvent) {
            refused.countDown();
            return false; // (taken by another executor meanwhile)
          }

          @Override
          public void retrySet(String key) {}

          @Override
          public void release(String key, String owner, long epoch) {}
        };
    List<RunEvent> sent =
        abandonWhileCapped(
            claims,
            9,
            () -> assertThat(refused.await(10, TimeUnit.SECONDS)).as("its end refused").isTrue());
    assertThat(sent)
        .filteredOn(e -> e.runId().value().equals("r1") && e.type().terminal())
        .as("its end waits for the claim")
        .isEmpty();
  }

  /**
   * What {@link #abandonWhileCapped} waits for before it looks: r1 has ended, one way or another.
   */
  private interface EndThrough {
    void await() throws Exception;
  }

  /**
   * Runs r1 and r2 of a {@code maxConcurrency = 1} job that ignores its 1 s timeout, on one worker,
   * r1 under a claim of its own at {@code claimEpoch} (0: none) on {@code claims}: once r1 is
   * abandoned, another job's run takes the worker while r2 waits for r1's thread to leave its job,
   * then runs.
   *
   * @return the events sent
   */
  private List<RunEvent> abandonWhileCapped(ClaimStore claims, long claimEpoch, EndThrough r1Ended)
      throws Exception {
    ExecutorSettings settings = new ExecutorSettings();
    settings.workers = 1;
    settings.stopGrace = io.dropwizard.util.Duration.milliseconds(50);
    settings.abandonGrace = io.dropwizard.util.Duration.milliseconds(50);
    Clock clock = Clock.fixed(T0, ZoneOffset.UTC);
    EventPublisher events = new EventPublisher();
    ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor();
    RunEnvironment env = env(settings, claims, events, clock, watchdog);
    Map<TopicPartition, OwnedPartition> partitions = new HashMap<>(Map.of(TP, leased(TP, 5)));
    Fences fences = new Fences();
    ExecutorService threads = Executors.newCachedThreadPool();
    Runs runs = runs(env, partitions, fences, threads, clock);
    Dispatcher dispatcher = dispatcher(env, partitions, runs);
    JobDefinition capped =
        new JobDefinition(
            new JobDescriptor("stubborn", "", 1, 0, Scope.TENANT, false, 1, null),
            this,
            DispatcherTest.class.getMethod("stubborn", JobContext.class));
    JobDefinition other =
        new JobDefinition(
            new JobDescriptor("noted", "", 60, 0, Scope.TENANT, false, 0, null),
            this,
            DispatcherTest.class.getMethod("noted", JobContext.class));
    List<RunEvent> sent = new ArrayList<>();
    try {
      Pending r1 = request(capped, "r1", 7);
      dispatcher.add(
          new Pending(
              r1.job(), r1.request(), TP, 7, () -> {}, null, null, 0, claimEpoch, r1.bytes()));
      dispatcher.add(request(capped, "r2", 8));
      dispatcher.dispatchOnce();
      await().atMost(Duration.ofSeconds(5)).until(() -> entered.contains("r1"));
      if (claimEpoch == 0) {
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> ended(sent, events, fences).contains("r1")); // timed out, abandoned
      }
      r1Ended.await();

      dispatcher.add(request(other, "r3", 9));
      dispatchUntilEnded(dispatcher, "r3", sent, events, fences);
      dispatcher.dispatchOnce();
      assertThat(entered)
          .as("its worker was freed for another job; its job's one run still runs, so r2 waits")
          .containsExactly("r1", "r3");
      assertThat(dispatcher.abandonedThreads()).as("r1's thread, still in its job").isEqualTo(1);

      letGo.countDown(); // r1's thread leaves the job
      dispatchUntilEnded(dispatcher, "r2", sent, events, fences);
      assertThat(entered).containsExactly("r1", "r3", "r2");
      assertThat(dispatcher.abandonedThreads()).as("r1's thread has left its job").isZero();
      return sent;
    } finally {
      letGo.countDown();
      threads.shutdownNow();
      watchdog.shutdownNow();
    }
  }

  private static Pending request(JobDefinition job, String runId, long offset) {
    JobRequest request =
        JobRequest.of(
            RunId.of(runId),
            job.descriptor().name(),
            Json.object(),
            "t1",
            null,
            null,
            Trigger.manual(),
            T0,
            "t");
    return new Pending(job, request, TP, offset, () -> {}, null, null, 0, 0, 100);
  }

  /** Lets {@code dispatcher} go round until {@code runId}'s end is published (10 s at most). */
  private static void dispatchUntilEnded(
      Dispatcher dispatcher,
      String runId,
      List<RunEvent> sent,
      EventPublisher events,
      Fences fences) {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              dispatcher.dispatchOnce();
              return ended(sent, events, fences).contains(runId);
            });
  }

  /** The run ids whose end has been published, the events drained into {@code sent}. */
  private static List<String> ended(List<RunEvent> sent, EventPublisher events, Fences fences) {
    events.drain(fences, voided -> {}).forEach(o -> sent.add(o.event()));
    return sent.stream().filter(e -> e.type().terminal()).map(e -> e.runId().value()).toList();
  }
}
