package io.jobline.executor;

import io.jobline.run.LogEntry;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The log lines a run's context keeps for {@code JobContext.getLogs()}: the last {@value #KEPT},
 * oldest first. A line is added in constant time: a job that logs once per record of a large batch
 * took seconds per line once it had logged a hundred thousand, every line copying all the lines
 * before it, and kept them all on the heap for as long as it ran (found by review).
 */
final class KeptLines {
  /** Lines kept per run, ten times what history stores of a run. */
  static final int KEPT = 10_000;

  private final ArrayDeque<LogEntry> lines = new ArrayDeque<>();
  private final int kept;

  KeptLines() {
    this(KEPT);
  }

  KeptLines(int kept) {
    this.kept = kept;
  }

  synchronized void add(LogEntry line) {
    if (lines.size() == kept) {
      lines.removeFirst();
    }
    lines.addLast(line);
  }

  /** The lines kept, oldest first. */
  synchronized List<LogEntry> all() {
    return List.copyOf(lines);
  }
}
