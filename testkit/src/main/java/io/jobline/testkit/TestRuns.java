package io.jobline.testkit;

import io.jobline.run.Attempt;
import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.wire.RunId;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Run records for tests that need a run in some status and nothing more of it. */
public final class TestRuns {
  private TestRuns() {}

  /**
   * A run of {@code job} for {@code tenant} (null: none) in {@code status}: attempt 1 under epoch 1
   * on executor {@code e}; no params, trigger, times, result, logs or attempts.
   */
  public static RunRecord run(RunId id, String job, String tenant, RunStatus status) {
    return atAttempt(id, job, tenant, status, 1);
  }

  /** {@link #run}, at {@code attempt}. */
  public static RunRecord atAttempt(
      RunId id, String job, String tenant, RunStatus status, int attempt) {
    return new RunRecord(
        id, job, tenant, null, null, status, attempt, 1, "e", null, null, null, null, null, null,
        null, List.of(), false, List.of(), null, Map.of(), null);
  }

  /** A run of {@code job} that completed at {@code at}. */
  public static RunRecord completedAt(RunId id, String job, Instant at) {
    return new RunRecord(
        id,
        job,
        null,
        null,
        null,
        RunStatus.COMPLETED,
        1,
        1,
        "e",
        null,
        null,
        at,
        null,
        null,
        null,
        null,
        List.of(),
        false,
        List.of(),
        null,
        Map.of(),
        null);
  }

  /**
   * A run of {@code job} whose attempt 1 failed and whose end said attempt 2 follows at {@code
   * due}, as history shows it until it folds the retry's announcement.
   */
  public static RunRecord failedWithRetryDue(RunId id, String job, Instant due) {
    return withRetryDue(id, job, due, RunStatus.FAILED);
  }

  /** The same run once history folded the retry's announcement: it reads {@code retrying}. */
  public static RunRecord retryingWithRetryDue(RunId id, String job, Instant due) {
    return withRetryDue(id, job, due, RunStatus.RETRYING);
  }

  private static RunRecord withRetryDue(RunId id, String job, Instant due, RunStatus status) {
    Attempt first = new Attempt(1, 1, "e", null, due, RunStatus.FAILED, "boom", due);
    return new RunRecord(
        id,
        job,
        null,
        null,
        null,
        status,
        1,
        1,
        "e",
        null,
        null,
        null,
        null,
        "boom",
        null,
        null,
        List.of(),
        false,
        List.of(first),
        null,
        Map.of(),
        null);
  }
}
