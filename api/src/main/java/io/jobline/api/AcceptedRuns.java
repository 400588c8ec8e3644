package io.jobline.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.Secrets;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The runs this api process accepted lately, shown {@code queued} until history has written them.
 *
 * <p>History holds back a run it has only the request of for up to {@code history.holdQueued}, so
 * that a run which starts soon is written once; a client that follows the {@code status_url} of its
 * 202 at once, or cancels the run at once, would find no run for that moment. This process answers
 * for the runs it accepted itself: each for {@code keepFor} after it was accepted (timed by the
 * monotonic clock, so a wall clock set back or forward changes nothing), the oldest let go first
 * past {@code maxRuns} runs or {@code maxBytes} of params. Params are kept with their secrets
 * redacted, as history stores them. What history wrote always comes first. A run this process did
 * not accept (another api process behind the same load balancer accepted it, a scheduler fired it,
 * a client put it on the topic) is looked for {@code elsewhere}: on {@code jobline.requests}, by
 * {@link RequestedRuns}.
 */
public final class AcceptedRuns {
  /** Longer than history's longest hold (30 s), with room for a history that is behind. */
  public static final Duration KEEP_FOR = Duration.ofMinutes(2);

  public static final int MAX_RUNS = 10_000;

  public static final long MAX_BYTES = 16L * 1024 * 1024;

  /** What a run costs beside its params, roughly. */
  private static final int OVERHEAD_BYTES = 512;

  /**
   * A run kept: as queued, or (a run asked to run again by hand) as it stood with the attempt asked
   * for, {@code retried}, above 0.
   */
  private record Entry(RunRecord run, long acceptedAtNanos, long bytes, int retried) {}

  private final LongSupplier nanos;
  private final long keepForNanos;
  private final int maxRuns;
  private final long maxBytes;
  private final LinkedHashMap<String, Entry> runs = new LinkedHashMap<>();
  private final Elsewhere elsewhere;
  private long bytes;

  /** Finds the request of a run this process did not accept (or no longer keeps). */
  public interface Elsewhere {
    /**
     * The request of this run, if it finds one, looked for on behalf of {@code caller} (a {@link
     * io.jobline.api.auth.Caller.LimitKey}; null: no one in particular).
     *
     * @throws ApiException when it cannot tell
     */
    Optional<JobRequest> find(String runId, Object caller);
  }

  /**
   * @param elsewhere finds the request of a run this process did not accept (or no longer keeps),
   *     for a caller
   */
  public AcceptedRuns(Elsewhere elsewhere) {
    this(System::nanoTime, KEEP_FOR, MAX_RUNS, MAX_BYTES, elsewhere);
  }

  AcceptedRuns(
      LongSupplier nanos, Duration keepFor, int maxRuns, long maxBytes, Elsewhere elsewhere) {
    this.elsewhere = elsewhere;
    this.nanos = nanos;
    this.keepForNanos = keepFor.toNanos();
    this.maxRuns = maxRuns;
    this.maxBytes = maxBytes;
  }

  /** A run this process handed to Kafka (after Kafka took it). */
  public void accepted(JobRequest request) {
    RunRecord kept = shown(request);
    keep(
        kept,
        0,
        OVERHEAD_BYTES
            + (kept.params() == null
                ? 0
                : kept.params().toString().getBytes(StandardCharsets.UTF_8).length));
  }

  /**
   * A run that had ended, asked by this process to run again as attempt {@code next} (after Kafka
   * took the request): until history reads the retry, it reads {@code retrying} here ({@link
   * #fresher}), not as the end history still shows — a cancel answered 409 "already ended", and a
   * live stream ended, for an attempt about to run (found by review).
   */
  public void retried(RunRecord ended, int next) {
    RunRecord kept = ended.withStatus(RunStatus.RETRYING);
    // (history's whole record, logs and all: weighed whole, so the bound in bytes holds; found by
    // review)
    keep(kept, next, OVERHEAD_BYTES + bytes(kept));
  }

  private static long bytes(Object value) {
    try {
      return Json.mapper().writeValueAsBytes(value).length;
    } catch (JsonProcessingException e) {
      return MAX_BYTES; // (never kept long: the bound lets it go first)
    }
  }

  private void keep(RunRecord kept, int retried, long size) {
    synchronized (this) {
      long now = nanos.getAsLong();
      Entry old = runs.remove(kept.runId().value());
      if (old != null) {
        bytes -= old.bytes();
      }
      if (size > maxBytes) {
        return; // (kept, it would push out every other run, and then go itself: found by review)
      }
      runs.put(kept.runId().value(), new Entry(kept, now, size, retried));
      bytes += size;
      letGo(now);
    }
  }

  /**
   * {@code stored}, the run as history wrote it, as this process knows it now: {@code retrying}
   * while history still shows it ended, with no retry to come, at an attempt below the one this
   * process asked for ({@link #retried}). History's record as soon as it reads the retry or any
   * later attempt.
   */
  public RunRecord fresher(RunRecord stored) {
    if (stored == null || stored.runId() == null) {
      return stored;
    }
    Entry e;
    synchronized (this) {
      letGo(nanos.getAsLong());
      e = runs.get(stored.runId().value());
    }
    if (e == null
        || e.retried() == 0
        || stored.status() == null
        || !stored.status().isTerminal()
        || stored.attempt() >= e.retried()
        || PendingRetry.of(stored).isPresent()) {
      return stored;
    }
    return stored.withStatus(RunStatus.RETRYING);
  }

  /**
   * The run as queued: if this process accepted it within {@code keepFor}, else if its request is
   * found {@code elsewhere}. Call it only when history has not written the run.
   *
   * @throws ApiException as {@code elsewhere} throws it: a {@code 503} when it could not tell
   */
  public Optional<RunRecord> queued(String runId) {
    return queued(runId, null);
  }

  /**
   * As {@link #queued(String)}, looked for {@code elsewhere} on behalf of {@code caller} (a {@link
   * io.jobline.api.auth.Caller.LimitKey}): a caller that searched too much lately waits its turn.
   *
   * @throws ApiException as {@code elsewhere} throws it: a {@code 503} when it could not tell, a
   *     {@code 429} when the caller is to wait
   */
  public Optional<RunRecord> queued(String runId, Object caller) {
    synchronized (this) {
      letGo(nanos.getAsLong());
      Entry e = runs.get(runId);
      if (e != null) {
        return Optional.of(e.run());
      }
    }
    Optional<JobRequest> found =
        elsewhere
            .find(runId, caller)
            .filter(r -> r.runId() != null && r.runId().value().equals(runId))
            .filter(r -> r.violation().isEmpty()); // (the executor dead-letters it)
    found.ifPresent(this::accepted); // a client polling it is answered from memory from now on
    return found.map(AcceptedRuns::shown);
  }

  /**
   * The run as queued if this process accepted it (or found its request) within {@code keepFor}:
   * from memory only, never searching the topic (a live stream asks at every poll).
   */
  public Optional<RunRecord> kept(String runId) {
    synchronized (this) {
      letGo(nanos.getAsLong());
      Entry e = runs.get(runId);
      return e == null ? Optional.empty() : Optional.of(e.run());
    }
  }

  /**
   * The run as this process sent its request within {@code keepFor} (params redacted), if it did:
   * what its first request asked, whatever history has folded onto it since.
   */
  public Optional<RunRecord> sentHere(String runId) {
    synchronized (this) {
      letGo(nanos.getAsLong());
      Entry e = runs.get(runId);
      return e == null || e.retried() != 0 ? Optional.empty() : Optional.of(e.run());
    }
  }

  /** A requested run as history first writes it, its params' secrets redacted. */
  private static RunRecord shown(JobRequest request) {
    return RunRecord.queued(
        request, request.params() == null ? null : Secrets.redact(request.params()));
  }

  /** How many runs are kept now. */
  synchronized int size() {
    return runs.size();
  }

  /** Lets go of the oldest runs while there are too many, too large, or kept long enough. */
  private void letGo(long now) {
    Iterator<Entry> oldest = runs.values().iterator();
    while (oldest.hasNext()) {
      Entry e = oldest.next();
      boolean over = runs.size() > maxRuns || bytes > maxBytes;
      if (!over && now - e.acceptedAtNanos() < keepForNanos) {
        return;
      }
      oldest.remove();
      bytes -= e.bytes();
    }
  }
}
