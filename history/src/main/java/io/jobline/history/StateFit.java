package io.jobline.history;

import io.jobline.run.Attempt;
import io.jobline.run.LogEntry;
import io.jobline.run.RunRecord;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a run's state within one Kafka record. Its changelog record is the run serialized; one over
 * the producer's 1 MB is refused, which stops the stream thread, and the thread started again folds
 * the same input and stops again, for good. The fold bounds each text it keeps, but not in bytes (a
 * character may take six in JSON), nor all of them together with a large result and params.
 */
final class StateFit {
  private static final Logger LOG = LoggerFactory.getLogger(StateFit.class);

  /** The largest run state written: under the producer's 1 MB, with room for key and headers. */
  static final int MAX_BYTES = 900 * 1024;

  /** What a run cut to fit keeps of its log: its last lines, each at most this long. */
  static final int KEPT_LOG_LINES = 20;

  static final int KEPT_TEXT_CHARS = 1024;

  /** What it keeps of its attempts: the last ones. */
  static final int KEPT_ATTEMPTS = 20;

  private StateFit() {}

  /**
   * {@code serde} whose serializer writes a run over {@link #MAX_BYTES} cut ({@link #cut}), and, if
   * that is still too large, as its bare status; there is no cost for a run that fits.
   */
  static Serde<RunRecord> fitting(Serde<RunRecord> serde) {
    Serializer<RunRecord> whole = serde.serializer();
    Serializer<RunRecord> fits =
        (topic, run) -> {
          byte[] bytes = whole.serialize(topic, run);
          if (bytes == null || bytes.length <= MAX_BYTES) {
            return bytes;
          }
          byte[] cut = whole.serialize(topic, cut(run, bytes.length, false));
          if (cut.length > MAX_BYTES) {
            cut = whole.serialize(topic, cut(run, bytes.length, true));
          }
          LOG.warn(
              "Run {}'s state was {} bytes, over the {} a Kafka record takes: kept as {} bytes"
                  + " (its result, params and most of its log left out)",
              run.runId(),
              bytes.length,
              MAX_BYTES,
              cut.length);
          return cut;
        };
    return Serdes.serdeFrom(fits, serde.deserializer());
  }

  /**
   * The run without its result and params, with its last log lines, its last attempts and its texts
   * cut short, and its error saying so; {@code bare}: without any log line or attempt.
   */
  static RunRecord cut(RunRecord r, int bytes, boolean bare) {
    List<LogEntry> logs = new ArrayList<>();
    List<LogEntry> all = r.logs() == null ? List.of() : r.logs();
    if (!bare) {
      for (LogEntry l : all.subList(Math.max(0, all.size() - KEPT_LOG_LINES), all.size())) {
        logs.add(
            new LogEntry(
                l.timestamp(),
                RunFold.capped(l.level(), 32),
                RunFold.capped(l.message(), KEPT_TEXT_CHARS),
                l.percentage()));
      }
    }
    List<Attempt> attempts = new ArrayList<>();
    List<Attempt> tried = r.attempts() == null ? List.of() : r.attempts();
    if (!bare) {
      for (Attempt a : tried.subList(Math.max(0, tried.size() - KEPT_ATTEMPTS), tried.size())) {
        attempts.add(
            new Attempt(
                a.attempt(),
                a.epoch(),
                RunFold.capped(a.executorId(), RunFold.MAX_EXECUTOR_ID_CHARS),
                a.startedAt(),
                a.endedAt(),
                a.status(),
                RunFold.capped(a.error(), KEPT_TEXT_CHARS),
                a.retryAt()));
      }
    }
    String note =
        "history kept this run cut to fit one Kafka record (it was "
            + bytes
            + " bytes): its result, params"
            + (bare ? ", log and attempts" : " and all but its last log lines")
            + " left out";
    String error = RunFold.capped(r.error(), KEPT_TEXT_CHARS);
    return new RunRecord(
        r.runId(),
        RunFold.capped(r.jobName(), KEPT_TEXT_CHARS),
        RunFold.capped(r.tenantId(), KEPT_TEXT_CHARS),
        null,
        r.trigger(),
        r.status(),
        r.attempt(),
        r.epoch(),
        RunFold.capped(r.executorId(), RunFold.MAX_EXECUTOR_ID_CHARS),
        r.requestedAt(),
        r.startedAt(),
        r.completedAt(),
        null,
        error == null ? note : error + "; " + note,
        r.progress(),
        RunFold.capped(r.progressMessage(), KEPT_TEXT_CHARS),
        logs,
        true,
        attempts,
        r.parentRunId(),
        r.appliedSeq(),
        r.options());
  }
}
