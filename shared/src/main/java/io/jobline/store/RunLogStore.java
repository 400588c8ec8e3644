package io.jobline.store;

import io.jobline.run.LogEntry;
import java.util.List;

/** Log lines of runs ({@code job_run_logs}), one document per line, paged by run. */
public interface RunLogStore {
  /** A line of a run's log at its position; a truncation marker has {@code marker} set. */
  record Line(String runId, int index, LogEntry entry, boolean marker) {}

  /** Writes lines; writing the same (run, index) again changes nothing. */
  void putAll(List<Line> lines);

  /** Lines of a run from {@code offset}, at most {@code limit}, in order. */
  List<Line> page(String runId, int offset, int limit);

  long count(String runId);
}
