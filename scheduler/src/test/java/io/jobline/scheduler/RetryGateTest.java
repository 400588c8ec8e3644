package io.jobline.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.scheduler.RetryGate.Verdict;
import io.jobline.testkit.TestRuns;
import io.jobline.wire.RunId;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A retry timer's attempt 2 goes out only once history shows attempt 1 ended saying so. */
class RetryGateTest {
  private static final RunId R = RunId.of("r");
  private static final Instant DUE = Instant.parse("2026-03-04T10:07:20Z");

  private static RunRecord atAttempt1(RunStatus status) {
    return TestRuns.run(R, "noop", null, status);
  }

  @Test
  void itWaitsWhileHistoryShowsNoEndOfTheAttemptBefore() {
    assertThat(RetryGate.of(null, 2)).isEqualTo(Verdict.WAIT);
    assertThat(RetryGate.of(atAttempt1(RunStatus.QUEUED), 2)).isEqualTo(Verdict.WAIT);
    assertThat(RetryGate.of(atAttempt1(RunStatus.RUNNING), 2)).isEqualTo(Verdict.WAIT);
    assertThat(RetryGate.of(atAttempt1(null), 2)).isEqualTo(Verdict.WAIT);
    assertThat(RetryGate.of(atAttempt1(RunStatus.RUNNING), 3))
        .as("history behind")
        .isEqualTo(Verdict.WAIT);
  }

  @Test
  void itGoesOnceTheEndSaidARetryFollows() {
    assertThat(RetryGate.of(TestRuns.failedWithRetryDue(R, "noop", DUE), 2))
        .isEqualTo(Verdict.SEND);
    assertThat(RetryGate.of(TestRuns.retryingWithRetryDue(R, "noop", DUE), 2))
        .isEqualTo(Verdict.SEND);
  }

  @Test
  void itIsTakenAwayUnsentOnceHistoryShowsItsAttempt() {
    // found by review: sent again, the attempt ran a second time once the executor that ran it no
    // longer remembered it
    assertThat(RetryGate.of(atAttempt1(RunStatus.COMPLETED), 1))
        .as("its own attempt, shown already")
        .isEqualTo(Verdict.SENT);
    assertThat(RetryGate.of(atAttempt1(RunStatus.RUNNING), 1)).isEqualTo(Verdict.SENT);
  }

  @Test
  void itIsDroppedWhenTheAttemptBeforeEndedWithNoRetryToFollow() {
    for (RunStatus ended :
        new RunStatus[] {
          RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.TIMED_OUT, RunStatus.CANCELLED
        }) {
      assertThat(RetryGate.of(atAttempt1(ended), 2)).as(ended.wire()).isEqualTo(Verdict.DROP);
    }
  }
}
