package io.jobline.history;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobline.run.Attempt;
import io.jobline.run.LogEntry;
import io.jobline.run.RunOptions;
import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.wire.EventType;
import io.jobline.wire.IsoInstant;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import io.jobline.wire.Trigger;
import io.jobline.wire.WireLimits;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Folds a run's request and events into its {@link RunRecord}. Idempotent: an event whose sequence
 * number was already applied for its (attempt, epoch) changes nothing. Order-tolerant: the request
 * may arrive after the events, and a status never moves against the transition table.
 */
public final class RunFold {
  private static final Logger LOG = LoggerFactory.getLogger(RunFold.class);

  /**
   * The longest log message or error text a run keeps (8 KiB, as the executor's dead-letter
   * reasons). Nothing upstream bounds them: a run with a thousand stack traces as log lines, or an
   * error of 600 KB kept twice (the run's and its attempt's), was past Kafka's largest record, and
   * its state's changelog write stopped the partition's stream thread at every restart (found by
   * review).
   */
  static final int MAX_TEXT_CHARS = 8 * 1024;

  /** The characters of all of a run's log messages it keeps; the later lines are left out. */
  static final int MAX_LOG_CHARS = 256 * 1024;

  /**
   * The longest error text each attempt keeps (the run keeps its last error to {@link
   * #MAX_TEXT_CHARS}).
   */
  static final int MAX_ATTEMPT_ERROR_CHARS = 1024;

  private final int maxLogs;

  public RunFold(int maxLogs) {
    this.maxLogs = maxLogs;
  }

  public static RunRecord empty() {
    return new RunRecord(
        null, null, null, null, null, null, 0, 0, null, null, null, null, null, null, null, null,
        List.of(), false, List.of(), null, Map.of(), null);
  }

  /** The key of {@link RunRecord#appliedSeq()} an event's sequence number is noted under. */
  static String appliedKey(RunEvent e) {
    return e.attempt() + ":" + e.epoch();
  }

  /**
   * Whether {@code e} is folded in already, per the sequence numbers {@code applied} (the fold
   * skips it): one at or below the highest noted for its (attempt, epoch).
   */
  static boolean folded(Map<String, Long> applied, RunEvent e) {
    Long last = applied == null ? null : applied.get(appliedKey(e));
    return last != null && e.seq() <= last;
  }

  /**
   * The most (attempt, epoch) pairs a run notes sequence numbers for ({@link
   * RunRecord#appliedSeq()}): a run has at most {@value WireLimits#MAX_ATTEMPTS} attempts, each
   * started once and taken over a few times. Events of tens of thousands of epochs for one run (no
   * Jobline producer writes them) grew the note, and the run's stub with it, past Kafka's largest
   * record, and each fold step copied it (found by review); an event of one pair more is set aside.
   */
  static final int MAX_APPLIED_PAIRS = 1_000;

  /**
   * The run {@code input} makes of {@code current}. A job name or tenant id longer than {@link
   * WireLimits#MAX_ID_CHARS} is kept cut to it: the executor refuses such a request, and its run
   * must still end, failed with the reason, where its caller looks for it.
   *
   * @throws IllegalArgumentException for a run id longer than {@link WireLimits#MAX_ID_CHARS} (the
   *     executor refuses its request too, to the dead-letter topic), or an event of more (attempt,
   *     epoch) pairs than {@link #MAX_APPLIED_PAIRS}; the input is set aside
   */
  public RunRecord apply(String runId, RunInput input, RunRecord current) {
    Optional<WireLimits.Violation> tooLong = WireLimits.idTooLong("run id", runId);
    if (tooLong.isPresent()) {
      throw new IllegalArgumentException(tooLong.get().toString());
    }
    Builder run = new Builder(current == null ? empty() : current, runId);
    if (input.request() != null) {
      run.request(input.request());
    } else if (input.event() != null) {
      run.event(checked(input.event()), maxLogs);
    }
    return run.build();
  }

  /** The longest executor id a run keeps (ids are host names and UUIDs). */
  static final int MAX_EXECUTOR_ID_CHARS = 256;

  /**
   * {@code e} as the fold takes it: its executor id cut to {@link #MAX_EXECUTOR_ID_CHARS} (kept on
   * the run and on its attempt, an id of half a megabyte put the run's state over Kafka's largest
   * record, and the changelog write stopped the partition's stream thread at every restart).
   *
   * @throws IllegalArgumentException for an attempt below 1 or a negative epoch or sequence number,
   *     which no Jobline producer writes (an end at epoch -1 passed the stale check and ended a
   *     running run: found by review); the record is set aside
   */
  static RunEvent checked(RunEvent e) {
    if (e.attempt() < 1 || e.epoch() < 0 || e.seq() < 0) {
      throw new IllegalArgumentException(
          "an event needs an attempt of 1 or more and an epoch and sequence number of 0 or more;"
              + " got attempt "
              + e.attempt()
              + ", epoch "
              + e.epoch()
              + ", seq "
              + e.seq());
    }
    String id = e.executorId();
    if (id == null || id.length() <= MAX_EXECUTOR_ID_CHARS) {
      return e;
    }
    return new RunEvent(
        e.runId(),
        e.seq(),
        e.type(),
        e.timestamp(),
        capped(id, MAX_EXECUTOR_ID_CHARS),
        e.attempt(),
        e.epoch(),
        e.payload());
  }

  /** A mutable copy of a run record, for one fold step. */
  /** {@code text} cut to {@code max} characters, saying how many more it had. */
  static String capped(String text, int max) {
    if (text == null || text.length() <= max) {
      return text;
    }
    int end = Character.isHighSurrogate(text.charAt(max - 1)) ? max - 1 : max;
    return text.substring(0, end) + "… (" + (text.length() - end) + " more characters)";
  }

  private static final class Builder {
    private String jobName;
    private String tenantId;
    private JsonNode params;
    private Trigger trigger;
    private RunStatus status;
    private int attempt;
    private long epoch;
    private String executorId;
    private List<Attempt> attempts;
    private String parentRunId;
    private Instant requestedAt;
    private Instant startedAt;
    private Instant completedAt;
    private JsonNode result;
    private String error;
    private Integer progress;
    private String progressMessage;
    private List<LogEntry> logs;
    private boolean logsTruncated;
    private Map<String, Long> applied;
    private RunOptions options;
    private final String runId;

    Builder(RunRecord r, String runId) {

      this.runId = runId;
      jobName = r.jobName();
      tenantId = r.tenantId();
      params = r.params();
      trigger = r.trigger();
      status = r.status();
      attempt = r.attempt();
      epoch = r.epoch();
      executorId = r.executorId();
      attempts = r.attempts() == null ? List.of() : r.attempts();
      parentRunId = r.parentRunId() == null ? null : r.parentRunId().value();
      requestedAt = r.requestedAt();
      startedAt = r.startedAt();
      completedAt = r.completedAt();
      result = r.result();
      error = r.error();
      progress = r.progress();
      progressMessage = r.progressMessage();
      logs = r.logs() == null ? List.of() : r.logs();
      logsTruncated = r.logsTruncated();
      applied = r.appliedSeq() == null ? Map.of() : r.appliedSeq();
      options = r.options();
    }

    void request(JobRequest q) {
      if (q.attemptOrFirst() <= 1 && jobName != null) {
        firstRequestAgain(q);
        return;
      }
      jobName = WireLimits.cutId(q.jobName());
      if (q.tenantId() != null) {
        tenantId = WireLimits.cutId(q.tenantId());
      }
      params = q.params();
      // every request of a run asks the same; a later attempt's asking nothing (one an api of an
      // earlier version sent) keeps what the run's first asked
      RunOptions asked = RunOptions.of(q);
      if (asked != null || q.attemptOrFirst() <= 1) {
        options = asked;
      }
      if (trigger == null || q.attemptOrFirst() == 1) {
        trigger = q.trigger();
      }
      if (requestedAt == null || q.attemptOrFirst() == 1) {
        requestedAt = q.requestedAt();
      }
      if (q.parentRunId() != null) {
        parentRunId = q.parentRunId().value();
      }
      requested();
    }

    /**
     * A run requested: at its first attempt, queued, if nothing moved it yet. Executions (started
     * events) move the attempt; a request only names the first one, so the fold comes out the same
     * whether a retry's request or its start is seen first.
     */
    private void requested() {
      if (attempt == 0) {
        attempt = 1;
      }
      if (status == null) {
        status = RunStatus.QUEUED;
      }
    }

    /**
     * A first attempt's request for a run whose first request (or an event its executor wrote from
     * it) is folded in already: a copy (a producer's retry), or another request sent under the same
     * id (an Idempotency-Key sent again to another api with other params, an outside producer).
     * Only the first one runs, the executor refusing copies, so the run keeps what it asked and
     * takes only what it lacks; one naming another job or tenant is set aside. (Found by review:
     * each such request was folded over the run, which then showed params it never ran with, or
     * another tenant's name over this one's result and logs.)
     */
    private void firstRequestAgain(JobRequest q) {
      String job = WireLimits.cutId(q.jobName());
      String tenant = q.tenantId() == null ? null : WireLimits.cutId(q.tenantId());
      if (attempt <= 1 && !jobName.equals(job)) {
        throw new IllegalArgumentException(
            "run " + runId + " is of job " + jobName + "; this request of it names job " + job);
      }
      // (a run of no tenant too: found by review, a copy naming a tenant put a system run's
      // params, result and logs in that tenant's listings)
      if (attempt <= 1 && !Objects.equals(tenantId, tenant)) {
        throw new IllegalArgumentException(
            "run "
                + runId
                + " is of "
                + (tenantId == null ? "no tenant" : "tenant " + tenantId)
                + "; this request of it names "
                + (tenant == null ? "none" : tenant));
      }
      if (params == null) {
        params = q.params();
      }
      if (options == null) {
        options = RunOptions.of(q);
      }
      if (trigger == null) {
        trigger = q.trigger();
      }
      if (requestedAt == null) {
        requestedAt = q.requestedAt();
      }
      if (parentRunId == null && q.parentRunId() != null) {
        parentRunId = q.parentRunId().value();
      }
      requested();
    }

    void event(RunEvent e, int maxLogs) {
      if (folded(applied, e)) {
        return;
      }
      String key = appliedKey(e);
      if (applied.size() >= MAX_APPLIED_PAIRS && !applied.containsKey(key)) {
        throw new IllegalArgumentException(
            "run "
                + WireLimits.printable(runId)
                + " has events of "
                + applied.size()
                + " (attempt, epoch) pairs already; at most "
                + MAX_APPLIED_PAIRS
                + " are kept, and this event's attempt "
                + e.attempt()
                + ", epoch "
                + e.epoch()
                + " would be one more");
      }
      Map<String, Long> next = new HashMap<>(applied);
      next.put(key, e.seq());
      applied = next;
      JsonNode p = e.payload();
      switch (e.type()) {
        case STARTED -> {
          if (jobName == null && p != null) {
            fromPayload(p);
          }
          started(e);
        }
        case LOG, WARNING, ERROR -> log(e, level(e.type(), p), text(p, "message"), null, maxLogs);
        case PROGRESS -> {
          Integer pct = p == null || !p.has("percentage") ? null : p.get("percentage").asInt();
          // an earlier attempt's, or one after its attempt ended (a job abandoned after its timeout
          // or a cancel goes on): logged, but the run's progress is its current attempt's (review)
          if (!stale(e) && (status == null || status == RunStatus.RUNNING)) {
            progress = pct;
            progressMessage = capped(text(p, "message"), MAX_TEXT_CHARS);
          }
          log(e, "info", text(p, "message"), pct, maxLogs);
        }
        case COMPLETED -> end(RunStatus.COMPLETED, withStart(e));
        case FAILED -> end(RunStatus.FAILED, withStart(e));
        case CANCELLED -> end(RunStatus.CANCELLED, withStart(e));
        case TIMED_OUT -> end(RunStatus.TIMED_OUT, withStart(e));
        case RETRY_SCHEDULED -> {
          if (!stale(e)) {
            move(RunStatus.RETRYING, e);
          }
        }
        case MISSED -> {
          if (jobName == null && p != null) {
            fromPayload(p);
          }
          if (requestedAt == null) {
            // a missed fire has no request: it lists and pages at the time it was due (found by
            // review: without one, the runs list's cursor skipped or repeated it)
            requestedAt =
                trigger != null && trigger.nominalTime() != null
                    ? trigger.nominalTime()
                    : e.timestamp();
          }
          if (move(RunStatus.MISSED, e)) {
            completedAt = e.timestamp();
            error = text(p, "reason");
          }
        }
        case QUEUED -> {
          if (status == null) {
            status = RunStatus.QUEUED;
          }
        }
        default -> LOG.debug("Run {} ignores event type {}", runId, e.type());
      }
    }

    /**
     * An end that carries its attempt's start (a job that ended before its start was sent): the
     * start is folded first, as if its own event had come.
     */
    private RunEvent withStart(RunEvent e) {
      JsonNode p = e.payload();
      if (p == null || !p.path("started").isObject()) {
        return e;
      }
      JsonNode s = p.get("started");
      Instant at = e.timestamp();
      if (s.hasNonNull("at")) {
        try {
          at = IsoInstant.parse(s.get("at").asText());
        } catch (DateTimeParseException bad) {
          LOG.warn(
              "Run {}: the start carried by its end has an unreadable time; the end's time is used",
              runId);
        }
      }
      RunEvent start =
          new RunEvent(
              e.runId(), e.seq(), EventType.STARTED, at, e.executorId(), e.attempt(), e.epoch(), s);
      if (jobName == null) {
        fromPayload(s);
      }
      started(start);
      return e;
    }

    /**
     * An event from an older attempt, or from an execution that was taken over, changes no status.
     */
    private boolean stale(RunEvent e) {
      return e.attempt() < attempt || (e.attempt() == attempt && e.epoch() < epoch);
    }

    private void started(RunEvent e) {
      if (stale(e)) {
        return;
      }
      retryingIfSaid(e);
      boolean newAttempt = e.attempt() > attempt;
      boolean takeover = e.attempt() == attempt && e.epoch() > epoch && status == RunStatus.RUNNING;
      if (takeover || move(RunStatus.RUNNING, e)) {
        if (newAttempt || startedAt == null) {
          startedAt = e.timestamp();
        }
        attempt = e.attempt();
        epoch = e.epoch();
        executorId = e.executorId();
        completedAt = null;
        error = null;
        attempts = Attempts.started(attempts, e, takeover);
      }
    }

    private void end(RunStatus to, RunEvent e) {
      // (an end at epoch 0 — an executor's refusal — is not checked: the request of a run that
      // started may be read again and refused by the next owner, whose refusal is then its only
      // end; found by review of a stricter check, which left such runs running for good)
      // (but one of an attempt before the run's is stale whatever its epoch: a copy of an earlier
      // attempt's request refused ended the attempt running — found by review)
      if ((e.epoch() > 0 || e.attempt() < attempt) && stale(e)) {
        LOG.debug(
            "Run {} ignores a stale {} (attempt {}, epoch {})",
            runId,
            e.type(),
            e.attempt(),
            e.epoch());
        return;
      }
      retryingIfSaid(e);
      queuedIfRefused(to, e);
      startIfLost(to, e);
      takenOverIfStartLost(e);
      if (move(to, e)) {
        if (e.attempt() > attempt) {
          // an attempt that ended before it started (cancelled while waiting), or whose start was
          // lost: its epoch is the one later events of it are judged by, not the last attempt's
          // (which left a retry's announcement at a lower epoch stale)
          attempt = e.attempt();
          epoch = e.epoch();
          if (e.epoch() > 0) {
            executorId = e.executorId();
          }
        }
        completedAt = e.timestamp();
        JsonNode p = e.payload();
        if (to == RunStatus.COMPLETED) {
          result = p == null ? null : p.get("result");
        } else {
          error = capped(text(p, "error"), MAX_TEXT_CHARS);
        }
        if (jobName == null && p != null) {
          fromPayload(p);
        }
        if (to == RunStatus.COMPLETED) {
          progress = 100;
        }
        attempts =
            Attempts.ended(
                attempts,
                e,
                to,
                capped(error, MAX_ATTEMPT_ERROR_CHARS),
                e.retryDueAt().orElse(null));
      }
    }

    /**
     * A later attempt's event for a run whose last attempt's end said a retry follows, while the
     * retry's own announcement has not come (it was in a transaction that aborted, or comes later):
     * the run moves to {@code retrying} first, as the announcement would have moved it.
     */
    private void retryingIfSaid(RunEvent e) {
      if (e.attempt() > attempt && RunRecord.retryDue(status, attempt, attempts).isPresent()) {
        move(RunStatus.RETRYING, e);
      }
    }

    /**
     * The end of a retry's attempt that an executor refused at intake (epoch 0: it never ran; its
     * job left the catalogue or its params no longer match during the backoff): the retrying run's
     * request was queued and then refused, rather than the run waiting for an attempt for good.
     */
    private void queuedIfRefused(RunStatus to, RunEvent e) {
      if (e.epoch() <= 0
          && status == RunStatus.RETRYING
          && e.attempt() > attempt
          && RunStatus.QUEUED.canMoveTo(to)) {
        status = RunStatus.QUEUED;
      }
    }

    /**
     * An execution's end whose start never arrived (an executor's transaction holding the start was
     * aborted while the end went out in a later one): the end still counts, as an attempt whose
     * start time is unknown, rather than leaving the run queued for good.
     */
    private void startIfLost(RunStatus to, RunEvent e) {
      RunStatus from = status == null ? RunStatus.QUEUED : status;
      if (e.epoch() <= 0
          || from.canMoveTo(to)
          || !from.canMoveTo(RunStatus.RUNNING)
          || !RunStatus.RUNNING.canMoveTo(to)) {
        return;
      }
      LOG.info(
          "Run {}: the {} of attempt {} came without its start; folded as an attempt whose start is unknown",
          runId,
          e.type(),
          e.attempt());
      status = RunStatus.RUNNING;
      attempt = Math.max(attempt, e.attempt());
      epoch = e.epoch();
      executorId = e.executorId();
      attempts = Attempts.startLost(attempts, e);
    }

    /**
     * The end of a take-over whose start never arrived (the new owner's transaction holding its
     * start was aborted): the attempt now runs at the later epoch on the new owner, as its start
     * would have said, so the executor it was taken from is fenced here too. Without it the run
     * kept the old epoch and owner, and that owner's late events, woken after its lease, still
     * counted: a cancelled run moved to retrying by them, or a retried one ended for good (found by
     * review).
     */
    private void takenOverIfStartLost(RunEvent e) {
      if (status != RunStatus.RUNNING || e.attempt() != attempt || e.epoch() <= epoch) {
        return;
      }
      LOG.info(
          "Run {}: the {} of attempt {} at epoch {} came without its start; folded as a take-over"
              + " from epoch {}",
          runId,
          e.type(),
          e.attempt(),
          e.epoch(),
          epoch);
      epoch = e.epoch();
      executorId = e.executorId();
      attempts = Attempts.takenOverStartLost(attempts, e);
    }

    /** What the request would have said, taken from an event that arrived before it. */
    private void fromPayload(JsonNode p) {
      jobName = WireLimits.cutId(text(p, "job_name"));
      tenantId = WireLimits.cutId(text(p, "tenant_id"));
      if (params == null && p.hasNonNull("params")) {
        params = p.get("params");
      }
      if (trigger == null && p.hasNonNull("trigger")) {
        trigger = Json.mapper().convertValue(p.get("trigger"), Trigger.class);
      }
      if (parentRunId == null && p.hasNonNull("parent_run_id")) {
        parentRunId = p.get("parent_run_id").asText();
      }
      if (requestedAt == null && p.hasNonNull("requested_at")) {
        requestedAt = IsoInstant.parse(p.get("requested_at").asText());
      }
    }

    /** Moves the status if the table allows it; an illegal move is logged and left out. */
    private boolean move(RunStatus to, RunEvent e) {
      RunStatus from = status == null ? RunStatus.QUEUED : status;
      if (from == to) {
        return false;
      }
      if (!from.canMoveTo(to)) {
        LOG.warn(
            "Run {} ignores {} event (attempt {}, seq {}): illegal transition {} -> {}",
            runId,
            e.type(),
            e.attempt(),
            e.seq(),
            from.wire(),
            to.wire());
        return false;
      }
      status = to;
      return true;
    }

    private void log(RunEvent e, String level, String message, Integer pct, int maxLogs) {
      if (logChars < 0) {
        logChars = 0;
        logs.forEach(l -> logChars += l.message() == null ? 0 : l.message().length());
      }
      String kept = capped(message, MAX_TEXT_CHARS);
      int chars = kept == null ? 0 : kept.length();
      if (logs.size() >= maxLogs || logChars + chars > MAX_LOG_CHARS) {
        logsTruncated = true;
        return;
      }
      List<LogEntry> more = new ArrayList<>(logs.size() + 1);
      more.addAll(logs);
      more.add(new LogEntry(e.timestamp(), level, kept, pct));
      logs = more;
      logChars += chars;
    }

    /** The characters of the run's log messages, counted when first needed (-1 before). */
    private long logChars = -1;

    private static String level(EventType type, JsonNode p) {
      String given = text(p, "level");
      if (given != null) {
        return capped(given, 32);
      }
      return switch (type) {
        case WARNING -> "warning";
        case ERROR -> "error";
        default -> "info";
      };
    }

    private static String text(JsonNode p, String field) {
      return p == null || !p.hasNonNull(field) ? null : p.get(field).asText();
    }

    RunRecord build() {
      return new RunRecord(
          RunId.of(runId),
          jobName,
          tenantId,
          params,
          trigger,
          status,
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
          parentRunId == null || parentRunId.isBlank() ? null : RunId.of(parentRunId),
          applied,
          options);
    }
  }
}
