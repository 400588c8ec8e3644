package io.jobline.history;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobline.run.LogEntry;
import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.wire.RunId;
import io.jobline.wire.Secrets;
import io.jobline.wire.WireLimits;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps what history stores within {@link WireLimits} and free of the secrets a caller put in
 * params ({@link Secrets}), whatever a producer put on the topics.
 */
final class Carriage {
  private static final Logger LOG = LoggerFactory.getLogger(Carriage.class);

  private Carriage() {}

  /**
   * The run with its params or result left out where they cannot be stored (a producer other than
   * Jobline's own may write anything to the topics), and a log line saying so.
   */
  static RunRecord fit(RunRecord r) {
    return fit(r, null);
  }

  /**
   * {@link #fit(RunRecord)} of {@code r} folded onto {@code before}, a run as this class left it:
   * params or a result that {@code r} carries over from {@code before} unchanged (the same object)
   * are not looked through again. A run's params come with its request and stay: looking through
   * them with every event that folds onto the run was half of this class's cost (JFR, 100,000-job
   * bench).
   */
  static RunRecord fit(RunRecord r, RunRecord before) {
    boolean paramsFit = before != null && r.params() == before.params();
    boolean resultFits = before != null && r.result() == before.result();
    return withinLimits(withoutSecrets(r, paramsFit), paramsFit, resultFits);
  }

  /** The run with the secrets of its params, error and log lines replaced (see {@link Secrets}). */
  static RunRecord withoutSecrets(RunRecord r) {
    return withoutSecrets(r, false);
  }

  private static RunRecord withoutSecrets(RunRecord r, boolean paramsFit) {
    JsonNode params = paramsFit ? r.params() : Secrets.redact(r.params());
    String error = Secrets.redact(r.error());
    List<LogEntry> logs = r.logs();
    if (logs != null) {
      List<LogEntry> clean = new ArrayList<>(logs.size());
      boolean changed = false;
      for (LogEntry line : logs) {
        String message = Secrets.redact(line.message());
        changed |= !Objects.equals(message, line.message());
        clean.add(
            message == line.message()
                ? line
                : new LogEntry(line.timestamp(), line.level(), message, line.percentage()));
      }
      logs = changed ? clean : logs;
    }
    if (params == r.params() && Objects.equals(error, r.error()) && logs == r.logs()) {
      return r;
    }
    return new RunRecord(
        r.runId(),
        r.jobName(),
        r.tenantId(),
        params,
        r.trigger(),
        r.status(),
        r.attempt(),
        r.epoch(),
        r.executorId(),
        r.requestedAt(),
        r.startedAt(),
        r.completedAt(),
        r.result(),
        error,
        r.progress(),
        r.progressMessage(),
        logs,
        r.logsTruncated(),
        r.attempts(),
        r.parentRunId(),
        r.appliedSeq(),
        r.options());
  }

  private static RunRecord withinLimits(RunRecord r, boolean paramsFit, boolean resultFits) {
    Optional<WireLimits.Violation> params =
        paramsFit ? Optional.empty() : WireLimits.check("params", r.params());
    Optional<WireLimits.Violation> result =
        resultFits ? Optional.empty() : WireLimits.check("result", r.result());
    if (params.isEmpty() && result.isEmpty()) {
      return r;
    }
    List<LogEntry> logs = new ArrayList<>(r.logs() == null ? List.of() : r.logs());
    params.ifPresent(v -> logs.add(note("params left out, they cannot be stored: " + v)));
    result.ifPresent(v -> logs.add(note("result left out, it cannot be stored: " + v)));
    LOG.warn(
        "Run {} carries values that cannot be stored; they are left out: {}",
        r.runId(),
        params.map(Object::toString).orElse(result.map(Object::toString).orElse("")));
    return new RunRecord(
        r.runId(),
        r.jobName(),
        r.tenantId(),
        params.isPresent() ? null : r.params(),
        r.trigger(),
        r.status(),
        r.attempt(),
        r.epoch(),
        r.executorId(),
        r.requestedAt(),
        r.startedAt(),
        r.completedAt(),
        result.isPresent() ? null : r.result(),
        r.error(),
        r.progress(),
        r.progressMessage(),
        logs,
        r.logsTruncated(),
        r.attempts(),
        r.parentRunId(),
        r.appliedSeq(),
        r.options());
  }

  /**
   * What is kept of a run the store refused: ids, job, tenant, trigger, times and attempts; no
   * params, result or logs but one line with the reason; failed if it had not ended.
   */
  static RunRecord stripped(RunRecord r, String reason, Instant now) {
    RunStatus status =
        r.status() != null && r.status().isTerminal() ? r.status() : RunStatus.FAILED;
    Instant ended = r.completedAt() != null ? r.completedAt() : status == r.status() ? null : now;
    return new RunRecord(
        r.runId(),
        safe(r.jobName()),
        safe(r.tenantId()),
        null,
        r.trigger(),
        status,
        r.attempt(),
        r.epoch(),
        safe(r.executorId()),
        r.requestedAt(),
        r.startedAt(),
        ended,
        null,
        reason,
        r.progress(),
        null,
        List.of(note(reason)),
        false,
        r.attempts(),
        r.parentRunId() == null ? null : RunId.of(safe(r.parentRunId().value())),
        r.appliedSeq(),
        r.options());
  }

  private static String safe(String text) {
    return text == null ? null : text.replace('\0', '\uFFFD');
  }

  private static LogEntry note(String message) {
    return new LogEntry(null, "error", message, null);
  }
}
