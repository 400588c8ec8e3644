package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.job.JobDescriptor;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import io.jobline.wire.Scope;
import io.jobline.wire.Trigger;
import io.jobline.wire.TriggerType;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  private static final Instant ENDED = Instant.parse("2026-12-01T10:00:00Z");

  /** A job with 2 retries by default: 3 attempts in all. */
  private static final JobDescriptor JOB =
      new JobDescriptor("flaky", "", 60, 2, Scope.TENANT, false, 0, null);

  private static final RetryPolicy POLICY =
      new RetryPolicy(Duration.ofSeconds(10), Duration.ofSeconds(60), new Random(7));

  private static JobRequest attempt(int n, Integer maxAttempts) {
    return new JobRequest(
        RunId.of("r-1"),
        "flaky",
        Json.object(),
        "acme",
        null,
        n,
        maxAttempts,
        null,
        Trigger.manual(),
        ENDED.minusSeconds(5),
        "test",
        null,
        null,
        null);
  }

  @Test
  void aFailedOrTimedOutAttemptRunsAgainWhileTheJobsAttemptsLast() {
    RetryPolicy.Retry retry =
        POLICY.after(attempt(1, null), JOB, EventType.FAILED, ENDED).orElseThrow();
    assertThat(retry.next().attempt()).isEqualTo(2);
    assertThat(retry.maxAttempts()).isEqualTo(3);
    assertThat(retry.next().maxAttempts())
        .as("the next attempt carries the count in force")
        .isEqualTo(3);
    assertThat(retry.next().trigger().type()).isEqualTo(TriggerType.RETRY);
    assertThat(retry.next().runId()).isEqualTo(RunId.of("r-1"));
    assertThat(POLICY.after(attempt(2, null), JOB, EventType.TIMED_OUT, ENDED)).isPresent();
    assertThat(POLICY.after(attempt(3, null), JOB, EventType.FAILED, ENDED))
        .as("the last attempt")
        .isEmpty();
  }

  @Test
  void aCompletedOrCancelledAttemptNeverRunsAgain() {
    assertThat(POLICY.after(attempt(1, null), JOB, EventType.COMPLETED, ENDED)).isEmpty();
    assertThat(POLICY.after(attempt(1, null), JOB, EventType.CANCELLED, ENDED)).isEmpty();
  }

  @Test
  void theRequestsMaxAttemptsOverridesTheJobsDefault() {
    assertThat(POLICY.after(attempt(1, 1), JOB, EventType.FAILED, ENDED))
        .as("one attempt only")
        .isEmpty();
    assertThat(
            POLICY
                .after(attempt(4, 5), JOB, EventType.FAILED, ENDED)
                .orElseThrow()
                .next()
                .attempt())
        .isEqualTo(5);
  }

  @Test
  void theWaitDoublesPerAttemptWithinItsCapAndHalfOfItIsJitter() {
    for (int i = 0; i < 200; i++) {
      Duration first =
          Duration.between(
              ENDED,
              POLICY.after(attempt(1, 10), JOB, EventType.FAILED, ENDED).orElseThrow().due());
      Duration third =
          Duration.between(
              ENDED,
              POLICY.after(attempt(3, 10), JOB, EventType.FAILED, ENDED).orElseThrow().due());
      Duration ninth =
          Duration.between(
              ENDED,
              POLICY.after(attempt(9, 10), JOB, EventType.FAILED, ENDED).orElseThrow().due());
      assertThat(first).isBetween(Duration.ofSeconds(5), Duration.ofSeconds(10));
      assertThat(third).isBetween(Duration.ofSeconds(20), Duration.ofSeconds(40));
      assertThat(ninth)
          .as("capped at 60 s")
          .isBetween(Duration.ofSeconds(30), Duration.ofSeconds(60));
    }
  }

  @Test
  void theRequestsBackoffOverridesTheExecutorsAndTheNextAttemptIsRequestedWhenDue() {
    JobRequest own =
        new JobRequest(
            RunId.of("r-2"),
            "flaky",
            Json.object(),
            "acme",
            null,
            2,
            5,
            null,
            Trigger.manual(),
            ENDED,
            "test",
            null,
            1,
            3);
    RetryPolicy.Retry retry = POLICY.after(own, JOB, EventType.FAILED, ENDED).orElseThrow();
    assertThat(Duration.between(ENDED, retry.due()))
        .as("1 s doubled once, capped at 3 s")
        .isBetween(Duration.ofSeconds(1), Duration.ofSeconds(2));
    assertThat(retry.next().requestedAt()).isEqualTo(retry.due());
    assertThat(retry.next().retryBackoffSeconds()).isEqualTo(1);
  }

  @Test
  void backoffSpreadsItsUpperHalfAndNeverOverflows() {
    Random random = new Random(1);
    long shortest = Long.MAX_VALUE;
    long longest = 0;
    for (int i = 0; i < 1000; i++) {
      long ms = Backoff.delay(2, Duration.ofSeconds(1), Duration.ofMinutes(5), random).toMillis();
      shortest = Math.min(shortest, ms);
      longest = Math.max(longest, ms);
    }
    assertThat(shortest).isBetween(1000L, 1100L);
    assertThat(longest).isBetween(1900L, 2000L);
    assertThat(Backoff.delay(Integer.MAX_VALUE, Duration.ofHours(1), Duration.ofMinutes(5), random))
        .as("a huge attempt number is capped, not overflowed")
        .isBetween(Duration.ofMinutes(2).plusSeconds(30), Duration.ofMinutes(5));
  }
}
