package io.jobline.history;

import io.jobline.run.Attempt;
import io.jobline.run.RunRecord;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * The runs a history task folds, as of its last commit ({@value HistoryTopology#RUNS_STORE}): a
 * window store, so that it keeps each run for {@code history.runStateRetention} of stream time and
 * not for ever. Streams drops a whole segment of old runs at once, locally and (its changelog being
 * {@code compact,delete}) from Kafka, without a tombstone per run: the state and its restore stay
 * bounded while the records per run stay one changelog record per commit that changed it.
 *
 * <p>Each run sits under one time, its <em>anchor</em>: the hour (in stream time) it was first
 * stored. A run stored again keeps its anchor, so it is found and overwritten in place; one whose
 * anchor is older than half the retention moves to the current hour (one tombstone), so a run is
 * kept at least half the retention, less an hour, after its last change. An input that comes for a
 * run dropped is folded onto the run as MongoDB holds it ({@link HistoryProcessor}).
 *
 * <p>A run that is over — almost every run, once its end is written — is kept as a {@link #stub}:
 * what tells a copy of an input folded already from one that changes the run.
 */
final class RunState {
  /** The anchors' granularity. */
  static final long BUCKET_MS = 3_600_000L;

  private final WindowStore<String, RunRecord> store;
  private final long moveAfterMs;

  /** Where each run read since the last write sits. */
  private final Map<String, Long> anchors = new HashMap<>();

  /** Whether runs that are over are kept as stubs ({@code history.overRunsAsStubs}). */
  private final boolean stubs;

  RunState(WindowStore<String, RunRecord> store, long retentionMs, boolean stubs) {
    this.store = store;
    this.moveAfterMs = retentionMs / 2;
    this.stubs = stubs;
  }

  /** The run as last stored, or null (never stored, or dropped after the retention). */
  RunRecord get(String runId) {
    try (WindowStoreIterator<RunRecord> found = store.backwardFetch(runId, 0L, Long.MAX_VALUE)) {
      if (!found.hasNext()) {
        return null;
      }
      KeyValue<Long, RunRecord> newest = found.next();
      anchors.put(runId, newest.key);
      return newest.value;
    }
  }

  /**
   * Stores the run where it was read from, or at the current hour of {@code streamTimeMs} when it
   * is new here or its place is older than half the retention (the old place then emptied). A run
   * that is over is stored as its {@link #stub}; a stub as it is.
   */
  void put(String runId, RunRecord run, long streamTimeMs) {
    putWhole(runId, stubs && !isStub(run) && over(run) ? stub(run) : run, streamTimeMs);
  }

  /** As {@link #put}, but a run that is over is stored whole (its own request is still to come). */
  void putWhole(String runId, RunRecord run, long streamTimeMs) {
    long now = anchor(streamTimeMs);
    Long at = anchors.remove(runId);
    if (at != null && at >= now - moveAfterMs) {
      store.put(runId, run, at);
      return;
    }
    if (at != null) {
      store.put(runId, null, at);
    }
    store.put(runId, run, now);
  }

  /** Forgets where the runs read sit: after each write, and when the task starts again. */
  void forget() {
    anchors.clear();
  }

  /**
   * Whether a run is over: it ended with no retry to come, and a request is in (its own, or the
   * request fields a start carries; a request that comes after all reads the run back, as any input
   * its stub does not hold).
   */
  static boolean over(RunRecord run) {
    return run.status() != null
        && run.status().isTerminal()
        && run.requestedAt() != null
        && run.retryDueAt().isEmpty();
  }

  /**
   * What the state keeps of a run that is over: its status, attempt, epoch and start, its last
   * attempt's number, status and retry time, and the sequence numbers folded per (attempt, epoch) —
   * what the fold's moves depend on, so an input folded onto the stub moves it as it would move the
   * whole run, and an end it makes is timed as on the whole run. About 200 bytes in the changelog
   * where the whole run took about 800. An input the stub holds (a copy of an event: one an
   * executor taking a partition over publishes again from the claim, or a replay) changes nothing,
   * as on the whole run; any other input (a retry or a cancel by hand, a request that came after
   * the run's end) is folded onto the run as MongoDB holds it for the write, and onto the stub to
   * tell whether it ended the run ({@link HistoryProcessor}). Its {@code logs} are null, which a
   * run folded never has.
   */
  static RunRecord stub(RunRecord r) {
    List<Attempt> attempts = r.attempts() == null ? List.of() : r.attempts();
    List<Attempt> last =
        attempts.isEmpty() ? List.of() : List.of(lastOnly(attempts.get(attempts.size() - 1)));
    return new RunRecord(
        r.runId(),
        null,
        null,
        null,
        null,
        r.status(),
        r.attempt(),
        r.epoch(),
        null,
        null,
        r.startedAt(),
        null,
        null,
        null,
        null,
        null,
        null,
        false,
        last,
        null,
        r.appliedSeq() == null ? Map.of() : r.appliedSeq(),
        null);
  }

  private static Attempt lastOnly(Attempt a) {
    return new Attempt(a.attempt(), a.epoch(), null, null, null, a.status(), null, a.retryAt());
  }

  /** Whether {@code run}, read from the state, is a {@link #stub}. */
  static boolean isStub(RunRecord run) {
    return run.logs() == null;
  }

  /**
   * Whether {@code input} is already folded into the run {@code stub} stands for: an event whose
   * sequence number was applied for its (attempt, epoch), which the fold skips.
   */
  static boolean holds(RunRecord stub, RunInput input) {
    return input.event() != null && RunFold.folded(stub.appliedSeq(), input.event());
  }

  static long anchor(long streamTimeMs) {
    return Math.max(0, streamTimeMs - Math.floorMod(streamTimeMs, BUCKET_MS));
  }
}
