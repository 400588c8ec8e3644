package io.jobline.history;

import io.jobline.run.JobStats;
import io.jobline.run.LogEntry;
import io.jobline.run.RunRecord;
import io.jobline.store.RunLogStore;
import io.jobline.store.StatsStore;
import io.jobline.topic.Topics;
import io.jobline.wire.Json;
import io.jobline.wire.WireLimits;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Folds a run's request and events into its record ({@value HistoryTopology#RUNS_STORE} store),
 * keeps the statistics of the runs that ended ({@value HistoryTopology#STATS_STORE}), and writes
 * both to MongoDB in batches — when a batch is full and on a wall-clock interval.
 *
 * <p>Crash safety: every record or statistic changed is also marked in the {@value
 * HistoryTopology#UNWRITTEN_STORE} store, in the same exactly-once transaction as the input that
 * changed it, and unmarked only after MongoDB took it. A history process killed at any point
 * therefore finds, when its task starts again, everything committed but not yet written, and writes
 * it first. Every write is idempotent (whole records by id, absolute statistics), so writing again
 * what was already written changes nothing.
 *
 * <p>Poison: a record MongoDB refuses while a stripped copy of it is taken is set aside — the stripped
 * copy (status failed if it had not ended, the reason as its error) is stored and kept, the original
 * goes to {@code jobline.history.dlq} with the reason — and the stream goes on. A store that refuses
 * even the stripped copy is down: the write fails, the transaction aborts, and it is tried again.
 */
final class HistoryProcessor implements Processor<String, RunInput, String, byte[]> {
  private static final Logger LOG = LoggerFactory.getLogger(HistoryProcessor.class);
  private static final int TRACKED = 100_000;
  private static final String RUN = "r|";
  private static final String STATS = "s|";
  private static final String AUDIT = "a|";

  private final HistoryTopology.Sinks sinks;
  private final RunFold fold;
  private final int batchSize;
  private final Duration flushInterval;
  private final int maxLogs;
  private final HistoryMetrics metrics;
  private ProcessorContext<String, byte[]> context;
  private KeyValueStore<String, RunRecord> runs;
  private KeyValueStore<String, JobStats> stats;
  private KeyValueStore<String, Long> unwritten;
  private KeyValueStore<String, io.jobline.run.AuditEntry> audit;
  private final Set<String> dirtyAudit = new LinkedHashSet<>();
  private int partition;
  private final Set<String> dirtyRuns = new LinkedHashSet<>();
  private final Set<String> dirtyStats = new LinkedHashSet<>();
  /** Log lines already written per run (forgetting one only rewrites its lines). */
  private final Map<String, Integer> written = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
      return size() > TRACKED;
    }
  };

  HistoryProcessor(HistoryTopology.Sinks sinks, HistorySettings settings, HistoryMetrics metrics) {
    this.sinks = sinks;
    this.fold = new RunFold(settings.maxLogsPerRun);
    this.batchSize = settings.batchSize;
    this.flushInterval = Duration.ofMillis(settings.flushInterval.toMilliseconds());
    this.maxLogs = settings.maxLogsPerRun;
    this.metrics = metrics;
  }

  @Override
  public void init(ProcessorContext<String, byte[]> context) {
    this.context = context;
    this.runs = context.getStateStore(HistoryTopology.RUNS_STORE);
    this.stats = context.getStateStore(HistoryTopology.STATS_STORE);
    this.unwritten = context.getStateStore(HistoryTopology.UNWRITTEN_STORE);
    this.audit = context.getStateStore(HistoryTopology.AUDIT_STORE);
    this.partition = context.taskId().partition();
    try (KeyValueIterator<String, Long> it = unwritten.all()) {
      while (it.hasNext()) {
        KeyValue<String, Long> e = it.next();
        (e.key.startsWith(RUN) ? dirtyRuns : e.key.startsWith(AUDIT) ? dirtyAudit : dirtyStats).add(e.key.substring(2));
      }
    }
    if (!dirtyRuns.isEmpty() || !dirtyStats.isEmpty()) {
      LOG.info("History partition {} writes {} run(s) and {} statistic(s) that were committed but not yet in MongoDB",
          partition, dirtyRuns.size(), dirtyStats.size());
    }
    context.schedule(flushInterval, PunctuationType.WALL_CLOCK_TIME, now -> flush());
  }

  @Override
  public void process(Record<String, RunInput> record) {
    String runId = record.key();
    if (runId == null || record.value() == null) {
      return;
    }
    io.jobline.wire.RunEvent event = record.value().event();
    if (event != null && event.type() == io.jobline.wire.EventType.AUDIT) {
      keepAudit(event);
      return;
    }
    RunRecord before = runs.get(runId);
    RunRecord after;
    try {
      after = Carriage.fit(fold.apply(runId, record.value(), before));
    } catch (RuntimeException e) {
      // a record no fold rule expected (a producer other than Jobline's): set aside, the stream goes on
      setAsideInput(runId, record.value(), e);
      return;
    }
    if (after.equals(before)) {
      return;
    }
    runs.put(runId, after);
    markRun(runId);
    if (endedNow(before, after) && after.jobName() != null) {
      count(StatsStore.key(after.jobName(), null), after);
      count(StatsStore.key(after.jobName(), after.tenantId() == null ? "" : after.tenantId()), after);
    }
    if (dirtyRuns.size() >= batchSize) {
      flush();
    }
  }

  private static boolean endedNow(RunRecord before, RunRecord after) {
    return after.status() != null && after.status().isTerminal()
        && (before == null || before.status() == null || !before.status().isTerminal());
  }

  private void count(String key, RunRecord run) {
    JobStats current = stats.get(key);
    if (current == null) {
      current = JobStats.empty(run.jobName(), key.contains("|tenant:") ? run.tenantId() : null);
    }
    stats.put(key, current.plus(run));
    unwritten.put(STATS + key, 1L);
    dirtyStats.add(key);
  }

  /** An audit event is kept apart from runs, and written to the audit trail with the next batch. */
  private void keepAudit(io.jobline.wire.RunEvent event) {
    io.jobline.run.AuditEntry entry;
    try {
      entry = io.jobline.run.AuditEntry.from(event);
    } catch (RuntimeException e) {
      LOG.warn("An audit event for {} cannot be read and is left out: {}", event.runId(), e.toString());
      return;
    }
    if (entry.auditId() == null || WireLimits.check("details", entry.details()).isPresent()) {
      LOG.warn("An audit event for {} has no id or carries details that cannot be stored; it is left out", event.runId());
      return;
    }
    audit.put(entry.auditId(), entry);
    unwritten.put(AUDIT + entry.auditId(), 1L);
    dirtyAudit.add(entry.auditId());
  }

  private void markRun(String runId) {
    if (dirtyRuns.add(runId)) {
      unwritten.put(RUN + runId, 1L);
    }
  }

  /** Writes what changed to MongoDB, then unmarks it. A failed write throws: the transaction aborts. */
  private void flush() {
    if (dirtyRuns.isEmpty() && dirtyStats.isEmpty() && dirtyAudit.isEmpty()) {
      return;
    }
    List<RunRecord> batch = new ArrayList<>(dirtyRuns.size());
    for (String id : dirtyRuns) {
      RunRecord r = runs.get(id);
      if (r != null) {
        batch.add(r);
      }
    }
    writeRuns(batch);
    List<StatsStore.Part> parts = new ArrayList<>(dirtyStats.size());
    for (String key : dirtyStats) {
      JobStats s = stats.get(key);
      if (s != null) {
        parts.add(new StatsStore.Part(key, partition, s));
      }
    }
    sinks.stats().accept(parts);
    List<io.jobline.run.AuditEntry> entries = new ArrayList<>(dirtyAudit.size());
    for (String id : dirtyAudit) {
      io.jobline.run.AuditEntry e = audit.get(id);
      if (e != null) {
        entries.add(e);
      }
    }
    sinks.audit().accept(entries);
    dirtyRuns.forEach(id -> unwritten.delete(RUN + id));
    dirtyStats.forEach(key -> unwritten.delete(STATS + key));
    dirtyAudit.forEach(id -> {
      unwritten.delete(AUDIT + id);
      audit.delete(id);
    });
    dirtyRuns.clear();
    dirtyStats.clear();
    dirtyAudit.clear();
  }

  private void writeRuns(List<RunRecord> batch) {
    if (batch.isEmpty()) {
      return;
    }
    try {
      write(batch);
    } catch (RuntimeException batchFailed) {
      LOG.warn("History could not write a batch of {} run(s) ({}); writing them one by one", batch.size(),
          batchFailed.toString());
      for (RunRecord run : batch) {
        try {
          write(List.of(run));
        } catch (RuntimeException e) {
          setAside(run, e);
        }
      }
    }
  }

  private void write(List<RunRecord> batch) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    List<RunLogStore.Line> lines = newLines(batch, counts);
    sinks.runs().upsertAll(batch);
    sinks.logs().putAll(lines);
    written.putAll(counts);
  }

  /**
   * Stores a stripped copy of a run MongoDB refused and sends the original to the dead-letter topic.
   * If the store refuses the stripped copy too, the store is what fails: the original error is thrown.
   */
  private void setAside(RunRecord run, RuntimeException cause) {
    String reason = "history could not store this run: " + describe(cause);
    RunRecord stripped = Carriage.stripped(run, reason, java.time.Instant.ofEpochMilli(context.currentSystemTimeMs()));
    written.remove(run.runId());
    try {
      write(List.of(stripped));
    } catch (RuntimeException storeDown) {
      cause.addSuppressed(storeDown);
      throw cause;
    }
    runs.put(run.runId(), stripped);
    metrics.setAside();
    LOG.error("Run {} ({}) was set aside: {}; a stripped copy is stored and the original is on {}",
        run.runId(), run.jobName(), reason, Topics.HISTORY_DLQ.name());
    Record<String, byte[]> dead = new Record<>(run.runId(), original(run), context.currentSystemTimeMs());
    dead.headers().add(Topics.DLQ_REASON_HEADER, reason.getBytes(StandardCharsets.UTF_8));
    dead.headers().add(Topics.DLQ_SOURCE_HEADER, "history".getBytes(StandardCharsets.UTF_8));
    context.forward(dead);
  }

  /** An input the fold cannot take goes to the dead-letter topic with the reason; the run stays as it was. */
  private void setAsideInput(String runId, RunInput input, RuntimeException cause) {
    String reason = "history could not fold this record into run " + WireLimits.printable(runId) + ": " + describe(cause);
    metrics.setAside();
    LOG.error("A record of run {} was set aside: {}; it is on {}", WireLimits.printable(runId), reason,
        Topics.HISTORY_DLQ.name());
    byte[] value;
    try {
      value = Json.mapper().writeValueAsBytes(input);
    } catch (Exception e) {
      value = new byte[0];
    }
    Record<String, byte[]> dead = new Record<>(runId, value, context.currentSystemTimeMs());
    dead.headers().add(Topics.DLQ_REASON_HEADER, reason.getBytes(StandardCharsets.UTF_8));
    dead.headers().add(Topics.DLQ_SOURCE_HEADER, "history".getBytes(StandardCharsets.UTF_8));
    context.forward(dead);
  }

  private static byte[] original(RunRecord run) {
    try {
      return Json.mapper().writeValueAsBytes(run);
    } catch (Exception e) {
      return ("{\"run_id\":" + Json.mapper().valueToTree(run.runId()) + "}").getBytes(StandardCharsets.UTF_8);
    }
  }

  private static String describe(Throwable e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return message.length() > 500 ? message.substring(0, 500) + "…" : message;
  }

  /** The log lines of these runs not written yet; {@code counts} gets how many each has once written. */
  private List<RunLogStore.Line> newLines(List<RunRecord> batch, Map<String, Integer> counts) {
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
      counts.put(run.runId(), count);
    }
    return lines;
  }

  @Override
  public void close() {
    flush();
  }
}
