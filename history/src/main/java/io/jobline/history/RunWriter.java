package io.jobline.history;

import io.jobline.run.LogEntry;
import io.jobline.run.RunRecord;
import io.jobline.store.RunLogStore;
import io.jobline.store.StoreFailures;
import io.jobline.topic.Topics;
import io.jobline.wire.Json;
import io.jobline.wire.WireLimits;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a history task writes runs to MongoDB: the runs in bulk with the log lines not written yet,
 * and, when the store refuses a run, that run set aside — a stripped copy stored in its place, the
 * original kept for {@code jobline.history.dlq} with the reason (as is an input the fold could not
 * take). A store that is down is not refusing a run: its error is thrown, so the commit fails and
 * is tried again.
 */
final class RunWriter {
  private static final Logger LOG = LoggerFactory.getLogger(RunWriter.class);
  private static final int TRACKED = 100_000;

  private final HistoryTopology.Sinks sinks;
  private final int maxLogs;
  private final HistoryMetrics metrics;

  /** Records set aside, for the task to forward to {@code jobline.history.dlq}. */
  private final List<Record<String, byte[]>> deadLetters = new ArrayList<>();

  /** Log lines already written per run (forgetting one only rewrites its lines). */
  private final Map<String, Integer> written =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
          return size() > TRACKED;
        }
      };

  /** The runs of the last {@link #write} not written: a newer fold of each is stored. */
  private final Set<String> notWritten = new HashSet<>();

  RunWriter(HistoryTopology.Sinks sinks, int maxLogs, HistoryMetrics metrics) {
    this.sinks = sinks;
    this.maxLogs = maxLogs;
    this.metrics = metrics;
  }

  /** Forgets what it kept: the task starts again from its last commit. */
  void forget() {
    deadLetters.clear();
    written.clear();
  }

  /**
   * Notes the log lines of a run read back from MongoDB as written: they are, since a run's lines
   * are written before the run.
   */
  void written(RunRecord stored) {
    int lines = stored.logs() == null ? 0 : stored.logs().size();
    written.put(stored.runId().value(), lines + (stored.logsTruncated() ? 1 : 0));
  }

  /** The records set aside since the last call. */
  List<Record<String, byte[]>> takeDeadLetters() {
    if (deadLetters.isEmpty()) {
      return List.of();
    }
    List<Record<String, byte[]>> out = new ArrayList<>(deadLetters);
    deadLetters.clear();
    return out;
  }

  /**
   * Writes {@code batch}: in bulk, or one by one when the store refuses the bulk write, setting
   * aside each run it refuses. Returns the stripped copies stored in place of the runs set aside; a
   * store that is down (or refuses a stripped copy) throws.
   */
  Map<String, RunRecord> write(List<RunRecord> batch, Instant now) {
    notWritten.clear();
    Map<String, RunRecord> stripped = new LinkedHashMap<>();
    if (batch.isEmpty()) {
      return stripped;
    }
    try {
      writeNow(batch);
    } catch (RuntimeException batchFailed) {
      if (StoreFailures.unavailable(batchFailed)) {
        throw batchFailed; // the store is down, not refusing a run: the commit fails and is tried
        // again
      }
      LOG.warn(
          "History could not write a batch of {} run(s) ({}); writing them one by one",
          batch.size(),
          batchFailed.toString());
      Map<RunRecord, RuntimeException> refused = new LinkedHashMap<>();
      for (RunRecord run : batch) {
        try {
          writeNow(List.of(run));
        } catch (RuntimeException e) {
          if (StoreFailures.unavailable(e)) {
            throw e; // it went away between the batch and this run (found by jobline chaos's store
            // outage)
          }
          refused.put(run, e);
        }
      }
      setAside(refused, now).forEach(copy -> stripped.put(copy.runId().value(), copy));
    }
    return stripped;
  }

  private void writeNow(List<RunRecord> batch) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    List<RunLogStore.Line> lines = newLines(batch, counts);
    // the lines first: a reader that sees a run ended finds every line it logged
    sinks.logs().putAll(lines);
    notWritten.addAll(sinks.runs().upsertAll(batch));
    written.putAll(counts);
  }

  /** Whether the last {@link #write} left this run as stored: a newer fold of it is. */
  boolean notWritten(String runId) {
    return notWritten.contains(runId);
  }

  /**
   * Sets aside the runs MongoDB refused: sends the originals to the dead-letter topic, all in one
   * go, then stores a stripped copy of each in its place. If the store refuses a stripped copy too,
   * the store is what fails: that run's error is thrown.
   */
  private List<RunRecord> setAside(Map<RunRecord, RuntimeException> refused, Instant now) {
    if (refused.isEmpty()) {
      return List.of();
    }
    List<Record<String, byte[]>> dead = new ArrayList<>(refused.size());
    List<RunRecord> copies = new ArrayList<>(refused.size());
    List<String> reasons = new ArrayList<>(refused.size());
    refused.forEach(
        (run, cause) -> {
          String reason = RunRecord.SET_ASIDE + describe(cause);
          reasons.add(reason);
          copies.add(Carriage.stripped(run, reason, now));
          dead.add(deadLetter(run.runId().value(), original(run), reason, now.toEpochMilli()));
        });
    if (sinks.deadLettersNow() != null) {
      // the originals are safe before their stripped copies are: once a copy is stored, the run's
      // inputs folded again onto it (read back from MongoDB) change nothing and set nothing aside
      // again, so a transaction that then failed lost the original (found by review)
      sinks.deadLettersNow().accept(dead);
    }
    int i = 0;
    for (Map.Entry<RunRecord, RuntimeException> e : refused.entrySet()) {
      RunRecord run = e.getKey();
      written.remove(run.runId().value());
      try {
        writeNow(List.of(copies.get(i)));
      } catch (RuntimeException storeDown) {
        e.getValue().addSuppressed(storeDown);
        throw e.getValue();
      }
      if (sinks.deadLettersNow() == null) {
        deadLetters.add(dead.get(i));
      }
      metrics.setAside();
      LOG.error(
          "Run {} ({}) was set aside: {}; a stripped copy is stored and the original is on {}",
          run.runId(),
          run.jobName(),
          reasons.get(i),
          Topics.HISTORY_DLQ.name());
      i++;
    }
    return copies;
  }

  /**
   * An input the fold cannot take goes to the dead-letter topic with the reason; the run stays as
   * it was.
   */
  void setAsideInput(String runId, RunInput input, RuntimeException cause, long now) {
    String reason =
        "history could not fold this record into run "
            + WireLimits.printable(runId)
            + ": "
            + describe(cause);
    metrics.setAside();
    LOG.error(
        "A record of run {} was set aside: {}; it is on {}",
        WireLimits.printable(runId),
        reason,
        Topics.HISTORY_DLQ.name());
    byte[] value;
    try {
      value = Json.mapper().writeValueAsBytes(input);
    } catch (Exception e) {
      value = new byte[0];
    }
    deadLetters.add(deadLetter(runId, value, reason, now));
  }

  private static Record<String, byte[]> deadLetter(
      String runId, byte[] value, String reason, long now) {
    Record<String, byte[]> dead =
        new Record<>(WireLimits.cutId(runId), UnreadableRecords.cut(value), now);
    dead.headers().add(Topics.DLQ_REASON_HEADER, reason.getBytes(StandardCharsets.UTF_8));
    dead.headers().add(Topics.DLQ_SOURCE_HEADER, "history".getBytes(StandardCharsets.UTF_8));
    UnreadableRecords.originalSize(value)
        .ifPresent(h -> dead.headers().add(UnreadableRecords.ORIGINAL_SIZE_HEADER, h));
    return dead;
  }

  private static byte[] original(RunRecord run) {
    try {
      return Json.mapper().writeValueAsBytes(run);
    } catch (Exception e) {
      return ("{\"run_id\":" + Json.mapper().valueToTree(run.runId()) + "}")
          .getBytes(StandardCharsets.UTF_8);
    }
  }

  private static String describe(Throwable e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return message.length() > 500 ? message.substring(0, 500) + "…" : message;
  }

  /**
   * The log lines of these runs not written yet; {@code counts} gets how many each has once
   * written.
   */
  private List<RunLogStore.Line> newLines(List<RunRecord> batch, Map<String, Integer> counts) {
    List<RunLogStore.Line> lines = new ArrayList<>();
    for (RunRecord run : batch) {
      List<LogEntry> logs = run.logs() == null ? List.of() : run.logs();
      int from = written.getOrDefault(run.runId().value(), 0);
      for (int i = from; i < logs.size(); i++) {
        lines.add(new RunLogStore.Line(run.runId().value(), i, logs.get(i), false));
      }
      int count = logs.size();
      if (run.logsTruncated() && from <= logs.size()) {
        LogEntry last = logs.isEmpty() ? null : logs.get(logs.size() - 1);
        lines.add(
            new RunLogStore.Line(
                run.runId().value(),
                logs.size(),
                new LogEntry(
                    last == null ? null : last.timestamp(),
                    "warning",
                    "log truncated: lines after the first " + maxLogs + " were dropped",
                    null),
                true));
        count = logs.size() + 1;
      }
      counts.put(run.runId().value(), count);
    }
    return lines;
  }
}
