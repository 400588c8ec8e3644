package io.jobline.run;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.jobline.wire.JobRequest;
import io.jobline.wire.RunId;
import io.jobline.wire.Trigger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A run as history materializes it: what was requested, where it stands and what it produced.
 * {@code appliedSeq} maps "attempt:epoch" to the highest event sequence folded in, which makes the
 * fold idempotent. {@code options} are what its request asked for beyond the job's settings ({@link
 * RunOptions}), or null.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunRecord(
    RunId runId,
    String jobName,
    String tenantId,
    JsonNode params,
    Trigger trigger,
    RunStatus status,
    int attempt,
    long epoch,
    String executorId,
    Instant requestedAt,
    Instant startedAt,
    Instant completedAt,
    JsonNode result,
    String error,
    Integer progress,
    String progressMessage,
    List<LogEntry> logs,
    boolean logsTruncated,
    List<Attempt> attempts,
    RunId parentRunId,
    Map<String, Long> appliedSeq,
    RunOptions options) {

  /**
   * The run as a page of runs lists it: without its params, result and log lines, which a listed
   * run never shows (a run's own read has them).
   */
  public RunRecord listed() {
    return new RunRecord(
        runId,
        jobName,
        tenantId,
        null,
        trigger,
        status,
        attempt,
        epoch,
        executorId,
        requestedAt,
        startedAt,
        completedAt,
        null,
        error,
        progress,
        progressMessage,
        List.of(),
        logsTruncated,
        attempts,
        parentRunId,
        appliedSeq,
        options);
  }

  /** This run reading {@code to}, all else as it is. */
  public RunRecord withStatus(RunStatus to) {
    return new RunRecord(
        runId,
        jobName,
        tenantId,
        params,
        trigger,
        to,
        attempt,
        epoch,
        executorId,
        requestedAt,
        startedAt,
        completedAt,
        result,
        error,
        progress,
        progressMessage,
        logs,
        logsTruncated,
        attempts,
        parentRunId,
        appliedSeq,
        options);
  }

  /**
   * How the error of a run history could not store begins: what history keeps of it is stripped (no
   * params, result or logs; failed if it had not ended), its original on {@code
   * jobline.history.dlq}.
   */
  public static final String SET_ASIDE = "history could not store this run: ";

  /** Whether this is the stripped copy of a run history could not store ({@link #SET_ASIDE}). */
  public boolean setAside() {
    return error != null && error.startsWith(SET_ASIDE);
  }

  /**
   * The run as history writes it from its request alone, before anything else of it is known:
   * queued, at the request's attempt, with these params (the request's, or them redacted).
   */
  public static RunRecord queued(JobRequest request, JsonNode params) {
    return new RunRecord(
        request.runId(),
        request.jobName(),
        request.tenantId(),
        params,
        request.trigger(),
        RunStatus.QUEUED,
        request.attemptOrFirst(),
        0,
        null,
        request.requestedAt(),
        null,
        null,
        null,
        null,
        null,
        null,
        List.of(),
        false,
        List.of(),
        request.parentRunId(),
        Map.of(),
        RunOptions.of(request));
  }

  /** The most one (attempt, epoch) adds to {@link #foldRank()}. */
  public static final long RANK_SEQ_CAP = 1L << 31;

  /**
   * How far history's fold of this run has come: twice the sum of the highest event sequence folded
   * in per (attempt, epoch), each counted up to {@value #RANK_SEQ_CAP} (the api's retry and cancel
   * events carry {@code Long.MAX_VALUE}, which would overflow the sum), plus one once the request
   * is in. Folding more of the run's records never lowers it, so a store never replaces a run with
   * a lower rank: a history instance that lost its partitions (a paused process, fenced on waking)
   * and writes what it folded before, cannot write an older state of a run over the newer one its
   * successor wrote.
   */
  public long foldRank() {
    long events = 0;
    if (appliedSeq != null) {
      for (Long seq : appliedSeq.values()) {
        events += seq == null ? 0 : Math.min(Math.max(seq, 0), RANK_SEQ_CAP);
      }
    }
    return 2 * events + (requestedAt != null ? 1 : 0);
  }

  /**
   * When the next attempt is due, while the run reads {@code failed} or {@code timed_out} and its
   * last attempt's end said a retry follows ({@link Attempt#retryAt()}): such a run is not over.
   * History shows it so only until it folds the retry's announcement, which came in the same
   * transaction as the end; a reader in that moment must not take the run for ended.
   */
  public Optional<Instant> retryDueAt() {
    return retryDue(status, attempt, attempts);
  }

  /**
   * {@link #retryDueAt()} of a run in {@code status} at {@code attempt} with these {@code attempts}
   * (history's fold asks it of the run it is building).
   */
  public static Optional<Instant> retryDue(RunStatus status, int attempt, List<Attempt> attempts) {
    if ((status != RunStatus.FAILED && status != RunStatus.TIMED_OUT)
        || attempts == null
        || attempts.isEmpty()) {
      return Optional.empty();
    }
    return lastRetryAt(attempt, attempts);
  }

  /**
   * When the next attempt is due, as the end of attempt {@code attempt} said, if it is the last of
   * {@code attempts} and said so, whatever the run reads now ({@code retrying} included).
   */
  public static Optional<Instant> lastRetryAt(int attempt, List<Attempt> attempts) {
    if (attempts == null || attempts.isEmpty()) {
      return Optional.empty();
    }
    Attempt last = attempts.get(attempts.size() - 1);
    return last.attempt() == attempt ? Optional.ofNullable(last.retryAt()) : Optional.empty();
  }

  /**
   * Seconds from start to end, or null. (In seconds and nanoseconds apart: a span's nanoseconds
   * overflow a long past 292 years, and an outside producer's start may be dated the year 1.)
   */
  public Double durationSeconds() {
    if (startedAt == null || completedAt == null) {
      return null;
    }
    Duration d = Duration.between(startedAt, completedAt);
    return d.getSeconds() + d.getNano() / 1e9;
  }

  /** The seed's JobResult view of this run. */
  public JobResult toJobResult() {
    return new JobResult(
        jobName,
        runId == null ? null : runId.value(),
        status == null ? null : status.wire(),
        startedAt,
        completedAt,
        durationSeconds(),
        result,
        error,
        logs == null ? List.of() : logs);
  }
}
