package io.jobline.store;

import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import java.util.List;
import java.util.Optional;

/** Materialized runs ({@code job_runs}). History writes; the API reads. */
public interface RunStore {
  /** Inserts or replaces each run, stamping the time it became visible. */
  void upsertAll(List<RunRecord> runs);

  Optional<RunRecord> find(String runId);

  long countByStatus(RunStatus status);

  /** Timing of every run, for the bench report. */
  List<RunTiming> timings();

  /** When a run was requested, started, completed and became visible here. */
  record RunTiming(
      String runId, java.time.Instant requestedAt, java.time.Instant startedAt,
      java.time.Instant completedAt, java.time.Instant visibleAt) {}
}
