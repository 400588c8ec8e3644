package io.jobline.history;

import io.jobline.run.RunRecord;
import java.util.HashMap;
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
 */
final class RunState {
  /** The anchors' granularity. */
  static final long BUCKET_MS = 3_600_000L;

  private final WindowStore<String, RunRecord> store;
  private final long moveAfterMs;

  /** Where each run read since the last write sits. */
  private final Map<String, Long> anchors = new HashMap<>();

  RunState(WindowStore<String, RunRecord> store, long retentionMs) {
    this.store = store;
    this.moveAfterMs = retentionMs / 2;
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
   * is new here or its place is older than half the retention (the old place then emptied).
   */
  void put(String runId, RunRecord run, long streamTimeMs) {
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

  static long anchor(long streamTimeMs) {
    return Math.max(0, streamTimeMs - Math.floorMod(streamTimeMs, BUCKET_MS));
  }
}
