package io.jobline.history;

import io.jobline.run.LogEntry;
import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.store.RunLogStore;
import io.jobline.store.RunStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Buffers run changes (the latest state per run wins) and writes them in batches — when the batch
 * is full, and on a wall-clock interval: the runs, their new log lines (with a marker once the
 * per-run cap truncates them), and the runs that just ended for the statistics. A failed write
 * throws, so the Streams transaction aborts and the changes are processed again.
 */
final class RunSinkProcessor implements Processor<String, RunRecord, Void, Void> {
  private static final int TRACKED = 100_000;
  private final HistoryTopology.Sinks sinks;
  private final int batchSize;
  private final Duration flushInterval;
  private final int maxLogs;
  private final Map<String, RunRecord> buffer = new LinkedHashMap<>();
  /** Log lines already written per run (best effort: forgetting one only rewrites its lines). */
  private final Map<String, Integer> written = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
      return size() > TRACKED;
    }
  };

  RunSinkProcessor(HistoryTopology.Sinks sinks, int batchSize, Duration flushInterval, int maxLogs) {
    this.sinks = sinks;
    this.batchSize = batchSize;
    this.flushInterval = flushInterval;
    this.maxLogs = maxLogs;
  }

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    context.schedule(flushInterval, PunctuationType.WALL_CLOCK_TIME, now -> flush());
  }

  @Override
  public void process(Record<String, RunRecord> record) {
    if (record.value() == null) {
      return;
    }
    buffer.put(record.key(), record.value());
    if (buffer.size() >= batchSize) {
      flush();
    }
  }

  private void flush() {
    if (buffer.isEmpty()) {
      return;
    }
    List<RunRecord> batch = new ArrayList<>(buffer.values());
    Map<String, RunStatus> before = sinks.runs().statuses(buffer.keySet());
    sinks.runs().upsertAll(batch);
    sinks.logs().putAll(newLines(batch));
    List<RunRecord> ended = batch.stream().filter(r -> r.status() != null && r.status().isTerminal()
        && (before.get(r.runId()) == null || !before.get(r.runId()).isTerminal())).toList();
    if (!ended.isEmpty()) {
      sinks.ended().accept(ended);
    }
    buffer.clear();
  }

  private List<RunLogStore.Line> newLines(List<RunRecord> batch) {
    List<RunLogStore.Line> lines = new ArrayList<>();
    for (RunRecord run : batch) {
      List<LogEntry> logs = run.logs() == null ? List.of() : run.logs();
      int from = written.getOrDefault(run.runId(), 0);
      for (int i = from; i < logs.size(); i++) {
        lines.add(new RunLogStore.Line(run.runId(), i, logs.get(i), false));
      }
      int count = logs.size();
      if (run.logsTruncated() && from <= logs.size()) {
        LogEntry last = logs.isEmpty() ? null : logs.get(logs.size() - 1);
        lines.add(new RunLogStore.Line(run.runId(), logs.size(), new LogEntry(last == null ? null : last.timestamp(),
            "warning", "log truncated: lines after the first " + maxLogs + " were dropped", null), true));
        count = logs.size() + 1;
      }
      written.put(run.runId(), count);
    }
    return lines;
  }

  @Override
  public void close() {
    flush();
  }

  static Consumer<List<RunRecord>> none() {
    return ended -> { };
  }
}
