package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.job.JobContext;
import io.jobline.job.JobDefinition;
import io.jobline.job.JobDescriptor;
import io.jobline.store.InMemoryTimerStore;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import io.jobline.wire.Scope;
import io.jobline.wire.Trigger;
import io.jobline.wire.TriggerType;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A cancel of a run's attempt covers the retry its failure set: sent while history still showed the
 * attempt running, it reached the executors after the attempt had failed with a retry due.
 */
public class CancelledRetryTest { // (public: its job method is called by reflection)
  private static final Instant T0 = Instant.parse("2026-12-06T12:00:00Z");
  private static final TopicPartition TP = new TopicPartition("jobline.requests", 1);

  private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor();
  private final AtomicInteger invoked = new AtomicInteger();

  /** The job: counts that it ran. */
  public String quick(JobContext ctx) {
    invoked.incrementAndGet();
    return "ok";
  }

  @AfterEach
  void stop() {
    watchdog.shutdownNow();
  }

  /** Runs {@code request} where attempt 1 of its run was cancelled; gives the end published. */
  private EventType runWithAttempt1Cancelled(JobRequest request) throws Exception {
    EventPublisher events = new EventPublisher();
    RunEnvironment env =
        new RunEnvironment(
            "exec-a",
            new ExecutorSettings(),
            new ExecutorParts(null, new InMemoryTimerStore(), null, null),
            events,
            Clock.fixed(T0, ZoneOffset.UTC),
            watchdog);
    JobDefinition job =
        new JobDefinition(
            new JobDescriptor("quick", "", 60, 2, Scope.TENANT, false, 0, null),
            this,
            CancelledRetryTest.class.getMethod("quick", JobContext.class));
    RunningRuns running =
        new RunningRuns() {
          @Override
          public void add(RunExecution execution) {}

          @Override
          public void remove(RunExecution execution) {}

          @Override
          public boolean isCancelled(String runId, int attempt) {
            return attempt <= 1;
          }

          @Override
          public boolean isFenced(String claimKey, long epoch) {
            return false;
          }
        };
    Pending p = new Pending(job, request, TP, 4, () -> {}, null, null, 5, 0);
    RunOutcome outcome =
        new RunOutcome() {
          @Override
          public EndMark finished(Pending pending) {
            return new EndMark(pending);
          }

          @Override
          public void heldElsewhere(Pending pending, Instant until) {}

          @Override
          public void gone(Pending pending) {}
        };
    new RunExecution(p, new Hold(T0.plusSeconds(60)), env, running, outcome).run();
    List<EventPublisher.Outgoing> out = events.drain(new Fences(), voided -> {});
    return out.get(out.size() - 1).event().type();
  }

  private static JobRequest first() {
    return JobRequest.of(
        RunId.of("r1"), "quick", Json.object(), "t1", 3, null, Trigger.manual(), T0, "t");
  }

  @Test
  void theRetryTheCancelledAttemptSetIsCancelledBeforeItStarts() throws Exception {
    // found by review: the cancel named attempt 1 (history lagged), attempt 1 had failed with a
    // retry set, and attempt 2 ran when its timer fired
    JobRequest retry = first().nextAttempt(3, T0.plusSeconds(5));
    assertThat(retry.isAutomaticRetry()).isTrue();

    assertThat(runWithAttempt1Cancelled(retry)).isEqualTo(EventType.CANCELLED);
    assertThat(invoked).hasValue(0);
  }

  @Test
  void aRetryByHandAfterTheCancelRuns() throws Exception {
    JobRequest byHand =
        new JobRequest(
            RunId.of("r1"),
            "quick",
            Json.object(),
            "t1",
            null,
            2,
            2,
            null,
            new Trigger(TriggerType.RETRY, null, null, null, null),
            T0,
            "ops@example.com",
            null,
            null,
            null);
    assertThat(byHand.isAutomaticRetry()).isFalse();

    assertThat(runWithAttempt1Cancelled(byHand)).isEqualTo(EventType.COMPLETED);
    assertThat(invoked).hasValue(1);
  }
}
