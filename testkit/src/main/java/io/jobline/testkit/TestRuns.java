package io.jobline.testkit;

import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.wire.RunId;
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
    return new RunRecord(
        id, job, tenant, null, null, status, 1, 1, "e", null, null, null, null, null, null, null,
        List.of(), false, List.of(), null, Map.of());
  }
}
