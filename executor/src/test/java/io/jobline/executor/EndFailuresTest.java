package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jobline.job.JobContext;
import io.jobline.job.JobDefinition;
import io.jobline.job.JobDescriptor;
import io.jobline.store.InMemoryTimerStore;
import io.jobline.store.TimerStore;
import io.jobline.topic.PreparedRequest;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import io.jobline.wire.Scope;
import io.jobline.wire.Trigger;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How an attempt ends when it is cancelled and ignores it, when its retry cannot be stored, and
 * what a fan-out's end carries.
 */
public class EndFailuresTest {
  private static final Instant T0 = Instant.parse("2026-12-05T12:00:00Z");
  private static final TopicPartition TP = new TopicPartition("jobline.requests", 3);

  private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor();
  private final RecordingOutcome recorded = new RecordingOutcome();
  private final List<String> outcomes = recorded.outcomes;
  private final EventPublisher events = new EventPublisher();
  private final CountDownLatch started = new CountDownLatch(1);
  private volatile boolean released;
  private volatile boolean cancelled;
  private final Fences fences = new Fences();

  /** The job: succeeds at once. */
  public String quick(JobContext ctx) {
    return "done";
  }

  /** The job: fails at once. */
  public String failing(JobContext ctx) {
    throw new IllegalStateException("boom");
  }

  /** The job: fails as (or after) a cancel of it comes, which it does not look at. */
  public String failingAsCancelled(JobContext ctx) {
    cancelled = true;
    throw new IllegalStateException("boom");
  }

  /** The job: ignores its stop and every interrupt until the test lets it go. */
  public String stubborn(JobContext ctx) {
    started.countDown();
    while (!released) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException ignored) {
        // (it ignores this too)
      }
    }
    return "done";
  }

  @AfterEach
  void stop() {
    released = true;
    watchdog.shutdownNow();
  }

  private RunExecution execution(String method, TimerStore timers) throws Exception {
    return execution(method, timers, false, null, "t1");
  }

  private RunExecution execution(
      String method, TimerStore timers, boolean perTenant, TenantDirectory tenants, String tenant)
      throws Exception {
    return execution(method, timers, perTenant, tenants, tenant, null);
  }

  private RunExecution execution(
      String method,
      TimerStore timers,
      boolean perTenant,
      TenantDirectory tenants,
      String tenant,
      ClaimStore claims)
      throws Exception {
    ExecutorSettings settings = new ExecutorSettings();
    settings.stopGrace = io.dropwizard.util.Duration.milliseconds(100);
    settings.abandonGrace = io.dropwizard.util.Duration.milliseconds(100);
    RunEnvironment env =
        new RunEnvironment(
            "exec-a",
            settings,
            new ExecutorParts(claims, timers, tenants, null),
            events,
            Clock.fixed(T0, ZoneOffset.UTC),
            watchdog);
    JobDefinition job =
        new JobDefinition(
            new JobDescriptor(method, "", 60, 2, Scope.TENANT, perTenant, 0, null),
            this,
            EndFailuresTest.class.getMethod(method, JobContext.class));
    JobRequest request =
        JobRequest.of(
            RunId.of("r1"), method, Json.object(), tenant, null, null, Trigger.manual(), T0, "t");
    Pending pending = new Pending(job, request, TP, 10, () -> {}, null, null, 5, 0);
    RunningRuns running =
        new RunningRuns() {
          @Override
          public void add(RunExecution execution) {}

          @Override
          public void remove(RunExecution execution) {}

          @Override
          public boolean isCancelled(String runId, int attempt) {
            return cancelled;
          }

          @Override
          public boolean isFenced(String claimKey, long epoch) {
            return fences.isFenced(claimKey, epoch);
          }
        };
    RunOutcome outcome = recorded;
    return new RunExecution(pending, new Hold(T0.plusSeconds(600)), env, running, outcome);
  }

  private List<EventPublisher.Outgoing> published() {
    return events.drain(new Fences(), voided -> {});
  }

  @Test
  void aCancelledJobThatIgnoresItIsAbandonedSoonAsCancelledAndNotRetried() throws Exception {
    // found by review: only the timeout interrupted and abandoned a job, so one that ignored a
    // cancel held its slot until then, and then ended timed out, which was retried: the run went
    // on after its cancel was accepted
    InMemoryTimerStore timers = new InMemoryTimerStore();
    RunExecution run = execution("stubborn", timers);
    Thread worker = new Thread(run::run, "test-run");
    worker.start();
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

    cancelled = true;
    run.requestStop(StopReason.CANCEL);

    // (well before its 60 s timeout)
    await().atMost(Duration.ofSeconds(10)).until(() -> outcomes.contains("finished"));
    List<EventPublisher.Outgoing> ends =
        published().stream().filter(o -> o.end() != null).toList(); // (its start went out too)
    assertThat(ends).hasSize(1);
    assertThat(ends.get(0).event().type()).isEqualTo(EventType.CANCELLED);
    assertThat(ends.get(0).then()).as("no retry announced").isNull();
    assertThat(ends.get(0).event().payload().has("next_attempt")).isFalse();
    assertThat(timers.earliest()).as("no retry timer").isEmpty();
    released = true;
    worker.join(10_000);
  }

  @Test
  void anAttemptWhoseRetryCannotBeStoredEndsWithoutOneAndFreesItsSlot() throws Exception {
    // found by review: the store's exception left the attempt marked ended with its slot taken and
    // its offset open for good, the run reading running
    InMemoryTimerStore timers = new InMemoryTimerStore();
    TimerStore refusing =
        (TimerStore)
            Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {TimerStore.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("set")) {
                    throw new IllegalStateException("the store is down");
                  }
                  try {
                    return method.invoke(timers, args);
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
    execution("failing", refusing).run();

    assertThat(outcomes).containsExactly("finished");
    List<EventPublisher.Outgoing> out = published();
    assertThat(out).hasSize(1);
    assertThat(out.get(0).event().type()).isEqualTo(EventType.FAILED);
    assertThat(out.get(0).then()).isNull();
    assertThat(out.get(0).event().payload().path("error").asText())
        .contains("boom")
        .contains("its retry could not be stored");
  }

  @Test
  void anAttemptThatFailsAsItIsCancelledIsNotRetried() throws Exception {
    InMemoryTimerStore timers = new InMemoryTimerStore();
    execution("failingAsCancelled", timers).run();

    List<EventPublisher.Outgoing> out = published();
    assertThat(out).hasSize(1);
    assertThat(out.get(0).event().type()).isEqualTo(EventType.FAILED);
    assertThat(out.get(0).then()).as("no retry announced").isNull();
    assertThat(timers.earliest()).as("no retry timer").isEmpty();
  }

  @Test
  void aFailedAttemptWithItsRetryStoredAnnouncesIt() throws Exception {
    InMemoryTimerStore timers = new InMemoryTimerStore();
    execution("failing", timers).run();

    List<EventPublisher.Outgoing> out = published();
    assertThat(out).hasSize(1);
    assertThat(out.get(0).then().type()).isEqualTo(EventType.RETRY_SCHEDULED);
    assertThat(timers.earliest()).isPresent();
    // (its end, made void, takes the timer back: DispatcherTest)
    assertThat(out.get(0).end().retryTimer().id()).isEqualTo(TimerStore.retryId("r1", 2));
  }

  @Test
  void aFanOutsChildrenGoOutOnlyWithItsEnd() throws Exception {
    // found by review: the children were sent by a producer of their own before the parent's end
    // was committed, so an executor that died in between sent them again from the next owner
    InMemoryTenantDirectory tenants =
        new InMemoryTenantDirectory()
            .put("a", null, true)
            .put("a-1", "a", true)
            .put("b", null, true)
            .put("gone", null, false);
    execution("failing", new InMemoryTimerStore(), true, tenants, null).run();

    List<EventPublisher.Outgoing> out = published();
    EventPublisher.Outgoing end = out.get(out.size() - 1);
    assertThat(end.event().type()).isEqualTo(EventType.COMPLETED);
    assertThat(end.requests())
        .extracting(r -> r.request().tenantId())
        .containsExactly("a", "a-1", "b");
    for (PreparedRequest child : end.requests()) {
      assertThat(child.request().runId())
          .isEqualTo(RunId.forChild(RunId.of("r1"), child.request().tenantId()));
      assertThat(child.request().parentRunId()).isEqualTo(RunId.of("r1"));
      assertThat(new String(child.key(), StandardCharsets.UTF_8))
          .isEqualTo(child.request().partitionKey());
    }
    assertThat(end.event().payload().path("result").path("children"))
        .extracting(c -> c.path("run_id").asText())
        .containsExactly(
            RunId.forChild(RunId.of("r1"), "a").value(),
            RunId.forChild(RunId.of("r1"), "a-1").value(),
            RunId.forChild(RunId.of("r1"), "b").value());
    assertThat(out.subList(0, out.size() - 1))
        .as("its start and log line")
        .allSatisfy(o -> assertThat(o.requests()).isEmpty());
  }

  @Test
  void aFanOutThatEndsAfterItsPartitionWentElsewhereLeavesItsChildrenToTheTakeover()
      throws Exception {
    // found by review: its end and children went out here and again from the next owner's
    // takeover, which publishes the end its claim holds with the children it lists
    CountDownLatch asked = new CountDownLatch(1);
    CountDownLatch answer = new CountDownLatch(1);
    TenantDirectory slow =
        new TenantDirectory() {
          @Override
          public List<String> active() {
            asked.countDown();
            try {
              answer.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return List.of("a", "b");
          }

          @Override
          public List<String> descendants(String tenant) {
            return List.of();
          }
        };
    KeptClaims claims = KeptClaims.takingNone();
    List<String> finished = claims.ends;
    RunExecution run = execution("failing", new InMemoryTimerStore(), true, slow, null, claims);
    Thread worker = new Thread(run::run, "test-run");
    worker.start();
    assertThat(asked.await(10, TimeUnit.SECONDS)).isTrue();

    assertThat(run.continueUnderClaim(9)).isTrue(); // (its partition goes to another executor)
    answer.countDown();
    worker.join(10_000);

    assertThat(finished).as("its end, with the children it lists, is on its claim").hasSize(1);
    assertThat(finished.get(0)).contains(RunId.forChild(RunId.of("r1"), "b").value());
    List<EventPublisher.Outgoing> out = published();
    EventPublisher.Outgoing end = out.get(out.size() - 1);
    assertThat(end.event().type()).isEqualTo(EventType.COMPLETED);
    assertThat(end.requests()).as("the takeover sends them").isEmpty();
  }

  @Test
  void aRunHandedOverBeforeItsThreadStartsFinishesOnItsClaim() throws Exception {
    // found by review: its start wrote the claim's epoch over with none, so the claim was neither
    // renewed nor finished, and the next owner, waiting for it, ran the attempt again
    KeptClaims claims = KeptClaims.takingNone();
    List<Long> finishedUnder = claims.endedUnder;
    RunExecution run = execution("quick", new InMemoryTimerStore(), false, null, "t1", claims);

    assertThat(run.continueUnderClaim(9)).isTrue(); // (launched; its thread has not started)
    run.run();

    assertThat(run.underClaim()).isTrue();
    assertThat(finishedUnder)
        .as("its end is on the claim it was handed over under")
        .containsExactly(9L);
    assertThat(outcomes).containsExactly("finished");
  }

  @Test
  void aRunFencedBeforeItsThreadStartsDoesNotRun() throws Exception {
    // found by review: the fence was noted under epoch 0 before its start read its epoch, so it
    // ran and published its end for a partition another executor now runs
    RunExecution run = execution("quick", new InMemoryTimerStore());

    fences.fence(run.pending().claimKey(), run.epoch()); // as Runs#fence does
    run.fence();
    run.run();

    assertThat(outcomes).containsExactly("gone");
    assertThat(published()).isEmpty();
  }
}
