package io.jobline.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.run.Attempt;
import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which runs that read ended have a retry to come. */
class PendingRetryTest {
  private static final Instant DUE = Instant.parse("2026-12-03T12:00:05Z");

  private static Attempt attempt(int n, RunStatus status, Instant retryAt) {
    return new Attempt(n, 1, "executor-1", Instant.EPOCH, Instant.EPOCH, status, "boom", retryAt);
  }

  private static RunRecord run(RunStatus status, int attempt, List<Attempt> attempts) {
    return ApiRuns.run("r1", "t1", status, 0, attempt, attempts);
  }

  @Test
  void aFailedOrTimedOutAttemptWhoseEndSaidARetryFollowsGoesOn() {
    assertThat(
            PendingRetry.of(run(RunStatus.FAILED, 1, List.of(attempt(1, RunStatus.FAILED, DUE)))))
        .contains(new PendingRetry.NextAttempt(2, DUE));
    assertThat(
            PendingRetry.of(
                run(
                    RunStatus.TIMED_OUT,
                    2,
                    List.of(
                        attempt(1, RunStatus.FAILED, DUE.minusSeconds(9)),
                        attempt(2, RunStatus.TIMED_OUT, DUE)))))
        .contains(new PendingRetry.NextAttempt(3, DUE));
  }

  @Test
  void aRunWhoseLastAttemptSaidNoRetryIsOverWhateverEarlierAttemptsSaid() {
    assertThat(
            PendingRetry.of(run(RunStatus.FAILED, 1, List.of(attempt(1, RunStatus.FAILED, null)))))
        .isEmpty();
    assertThat(
            PendingRetry.of(
                run(
                    RunStatus.FAILED,
                    2,
                    List.of(
                        attempt(1, RunStatus.FAILED, DUE), attempt(2, RunStatus.FAILED, null)))))
        .isEmpty();
    assertThat(PendingRetry.of(run(RunStatus.FAILED, 1, List.of()))).as("no attempts").isEmpty();
    assertThat(PendingRetry.of(run(RunStatus.FAILED, 1, null))).as("no attempt list").isEmpty();
    assertThat(
            PendingRetry.of(run(RunStatus.FAILED, 2, List.of(attempt(1, RunStatus.FAILED, DUE)))))
        .as("an attempt that ended without its own record")
        .isEmpty();
  }

  @Test
  void onlyAFailedOrTimedOutRunWaitsForARetry() {
    for (RunStatus status :
        List.of(
            RunStatus.COMPLETED,
            RunStatus.CANCELLED,
            RunStatus.RETRYING,
            RunStatus.RUNNING,
            RunStatus.QUEUED)) {
      assertThat(PendingRetry.of(run(status, 1, List.of(attempt(1, RunStatus.FAILED, DUE)))))
          .as(status.wire())
          .isEmpty();
    }
  }

  @Test
  void aRunWaitingForItsRetryShowsTheAttemptItsLastEndSaidFollows() {
    assertThat(
            PendingRetry.shown(
                run(RunStatus.RETRYING, 1, List.of(attempt(1, RunStatus.FAILED, DUE)))))
        .contains(new PendingRetry.NextAttempt(2, DUE));
    assertThat(
            PendingRetry.shown(
                run(RunStatus.FAILED, 1, List.of(attempt(1, RunStatus.FAILED, DUE)))))
        .as("as of() while it reads failed")
        .contains(new PendingRetry.NextAttempt(2, DUE));
    assertThat(
            PendingRetry.shown(
                run(RunStatus.RETRYING, 1, List.of(attempt(1, RunStatus.FAILED, null)))))
        .as("a retry asked for by hand: no time to show")
        .isEmpty();
    assertThat(PendingRetry.shown(run(RunStatus.RETRYING, 1, List.of()))).isEmpty();
    assertThat(
            PendingRetry.shown(
                run(RunStatus.RUNNING, 2, List.of(attempt(1, RunStatus.FAILED, DUE)))))
        .as("the retry runs")
        .isEmpty();
  }
}
