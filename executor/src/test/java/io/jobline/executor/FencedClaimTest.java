package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.job.JobContext;
import io.jobline.job.JobDefinition;
import io.jobline.job.JobDescriptor;
import io.jobline.store.InMemoryTimerStore;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import io.jobline.wire.Scope;
import io.jobline.wire.Trigger;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** An attempt that loses its own claim while its partition stays with this executor. */
class FencedClaimTest {
  private static final Instant T0 = Instant.parse("2026-12-05T12:00:00Z");
  private static final TopicPartition TP = new TopicPartition("jobline.requests", 3);

  private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor();
  private final AtomicInteger done = new AtomicInteger();
  private final List<String> outcomes = new ArrayList<>();
  private final List<Pending> heldBack = new ArrayList<>();

  /** The job: returns at once. */
  public String quick(JobContext ctx) {
    return "ok";
  }

  @AfterEach
  void stop() {
    watchdog.shutdownNow();
  }

  /**
   * Runs attempt 1 of r1, taken over under claim epoch {@code claimEpoch}, on partition epoch 5.
   */
  private void runTakenOver(RunningRuns running) throws Exception {
    ExecutorParts parts =
        new ExecutorParts(new ClaimsAnswering(n -> null), new InMemoryTimerStore(), null, null);
    RunEnvironment env =
        new RunEnvironment(
            "exec-b",
            new ExecutorSettings(),
            parts,
            new EventPublisher(),
            Clock.fixed(T0, ZoneOffset.UTC),
            watchdog);
    JobDefinition job =
        new JobDefinition(
            new JobDescriptor("quick", "", 60, 0, Scope.TENANT, false, 0, null),
            this,
            FencedClaimTest.class.getMethod("quick", JobContext.class));
    JobRequest request =
        JobRequest.of(
            RunId.of("r1"), "quick", Json.object(), "t1", null, null, Trigger.manual(), T0, "t");
    Pending taken = new Pending(job, request, TP, 10, done::incrementAndGet, null, null, 5, 3);
    RecordingOutcome outcome = new RecordingOutcome();
    new RunExecution(taken, new Hold(T0.plusSeconds(60)), env, running, outcome).run();
    outcomes.addAll(outcome.outcomes);
    heldBack.addAll(outcome.heldBack);
  }

  /** Runs going on nowhere else, none cancelled, on a partition fenced or not. */
  static RunningRuns fencedPartition(boolean fenced) {
    return new RunningRuns() {
      @Override
      public void add(RunExecution execution) {}

      @Override
      public void remove(RunExecution execution) {}

      @Override
      public boolean isCancelled(String runId, int attempt) {
        return false;
      }

      @Override
      public boolean isFenced(String claimKey, long epoch) {
        return fenced;
      }
    };
  }

  @Test
  void itGoesBackToWaitOnTheClaimInsteadOfLeavingItsOffsetOpen() throws Exception {
    // found by review: its end could not be recorded on the claim (the claim store here finishes
    // nothing: renewed too late, or taken), so it was dropped as if its partition had gone; but
    // the partition stayed here: no one read the request again, its offset stayed open for good
    // and held back every commit of its partition
    runTakenOver(fencedPartition(false));

    assertThat(outcomes).containsExactly("held elsewhere");
    Pending again = heldBack.get(0);
    assertThat(again.elsewhere()).as("it waits on its own claim").isEqualTo("r1:1");
    assertThat(again.claimEpoch()).isZero();
    assertThat(again.offset()).isEqualTo(10);
    assertThat(done).as("not done: its end did not go out").hasValue(0);
  }

  @Test
  void anAttemptWhosePartitionWentElsewhereIsLeftToTheNewOwner() throws Exception {
    runTakenOver(fencedPartition(true));

    assertThat(outcomes).containsExactly("gone");
  }
}
