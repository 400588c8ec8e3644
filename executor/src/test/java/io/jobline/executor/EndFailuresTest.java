package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jobline.job.JobContext;
import io.jobline.job.JobDefinition;
import io.jobline.job.JobDescriptor;
import io.jobline.store.InMemoryTimerStore;
import io.jobline.store.TimerStore;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import io.jobline.wire.Scope;
import io.jobline.wire.Trigger;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** How an attempt ends when it is cancelled and ignores it, or when its retry cannot be stored. */
public class EndFailuresTest {
  private static final Instant T0 = Instant.parse("2026-12-05T12:00:00Z");
  private static final TopicPartition TP = new TopicPartition("jobline.requests", 3);

  private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor();
  private final List<String> outcomes = new CopyOnWriteArrayList<>();
  private final EventPublisher events = new EventPublisher();
  private final CountDownLatch started = new CountDownLatch(1);
  private volatile boolean released;
  private volatile boolean cancelled;

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
    ExecutorSettings settings = new ExecutorSettings();
    settings.stopGrace = io.dropwizard.util.Duration.milliseconds(100);
    settings.abandonGrace = io.dropwizard.util.Duration.milliseconds(100);
    RunEnvironment env =
        new RunEnvironment(
            "exec-a",
            settings,
            new ExecutorParts(null, timers, null, null, null),
            events,
            Clock.fixed(T0, ZoneOffset.UTC),
            watchdog);
    JobDefinition job =
        new JobDefinition(
            new JobDescriptor(method, "", 60, 2, Scope.TENANT, false, 0, null),
            this,
            EndFailuresTest.class.getMethod(method, JobContext.class));
    JobRequest request =
        JobRequest.of(
            RunId.of("r1"), method, Json.object(), "t1", null, null, Trigger.manual(), T0, "t");
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
            return false;
          }
        };
    RunOutcome outcome =
        new RunOutcome() {
          @Override
          public EndMark finished(Pending p) {
            outcomes.add("finished");
            return new EndMark(p);
          }

          @Override
          public void heldElsewhere(Pending p, Instant until) {
            outcomes.add("held elsewhere");
          }

          @Override
          public void gone(Pending p) {
            outcomes.add("gone");
          }
        };
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
}
