package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jobline.job.JobDefinition;
import io.jobline.job.JobRegistry;
import io.jobline.store.InMemoryTimerStore;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import io.jobline.wire.Trigger;
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
import org.junit.jupiter.api.Test;

/** A run handed over whose claim's renewal waits on a store that stopped answering. */
class ClaimRenewalStallTest {
  private static final Instant T0 = Instant.parse("2026-12-07T12:00:00Z");

  @Test
  void aRenewalWaitingOnTheStoreHoldsNoJobsTimeout() throws Exception {
    // found by review: renewals ran on the watchdog's one thread, and one waiting on the store held
    // every job's timeout, interrupt and abandon for as long as it waited
    CountDownLatch storeBack = new CountDownLatch(1);
    CountDownLatch renewing = new CountDownLatch(1);
    ClaimStore stalled =
        new ClaimsAnswering(n -> null)
            .renewing(
                () -> {
                  renewing.countDown();
                  try {
                    storeBack.await(30, TimeUnit.SECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  return true;
                })
            .finishing();
    ExecutorSettings settings = new ExecutorSettings();
    settings.claimTtl = io.dropwizard.util.Duration.milliseconds(300); // (a renewal every 100 ms)
    ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor();
    ScheduledExecutorService renewer = Executors.newSingleThreadScheduledExecutor();
    EventPublisher events = new EventPublisher();
    RunEnvironment env =
        new RunEnvironment(
            "exec-b",
            settings,
            new ExecutorParts(stalled, new InMemoryTimerStore(), null, null),
            events,
            Clock.fixed(T0, ZoneOffset.UTC),
            watchdog,
            renewer);
    JobDefinition job =
        JobRegistry.scan(List.of("io.jobline.executor.testjobs")).find("long").orElseThrow();
    JobRequest request = // (to run 20 s, timed out after 1)
        JobRequest.of(
            RunId.of("r1"), "long", Json.object(), "t1", null, 1, Trigger.manual(), T0, "t");
    Pending claimed =
        new Pending(
            job,
            request,
            new TopicPartition("jobline.requests", 3),
            10,
            () -> {},
            null,
            null,
            5,
            3);
    RecordingOutcome outcome = new RecordingOutcome();
    Thread run =
        new Thread(
            new RunExecution(
                    claimed,
                    new Hold(T0.plusSeconds(60)),
                    env,
                    FencedClaimTest.fencedPartition(false),
                    outcome)
                ::run);
    try {
      run.start();
      assertThat(renewing.await(10, TimeUnit.SECONDS)).as("a renewal waits on the store").isTrue();

      await().atMost(Duration.ofSeconds(10)).until(() -> !outcome.outcomes.isEmpty());
      assertThat(events.drain(new Fences(), voided -> {}))
          .extracting(o -> o.event().type())
          .as("its timeout (1 s) stopped it while the renewal waited")
          .contains(EventType.TIMED_OUT);
    } finally {
      storeBack.countDown();
      run.join(10_000);
      watchdog.shutdownNow();
      renewer.shutdownNow();
    }
  }
}
