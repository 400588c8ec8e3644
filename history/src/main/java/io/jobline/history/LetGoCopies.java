package io.jobline.history;

import io.jobline.run.RunRecord;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The runs a task let go from the hold and wrote queued, as it wrote them, so that their next input
 * (most often their end) folds onto the copy rather than reading them back from MongoDB.
 *
 * <p>A copy is what MongoDB holds of the run: it is kept only when the write was not refused (no
 * newer fold of the run was stored), and dropped once an input changes the run, which then goes to
 * the run state as any other. It lives in memory only: a task started anew (after a crash, a
 * rebalance, a revived task) has none and reads its let-go runs back as before, so nothing the
 * copies hold needs to survive. Bounded by count ({@code history.letGoCopies}), by the bytes of
 * their estimated heap ({@link JsonWeight#ofRun}) and by age; a run that finds no room, or whose
 * copy aged out, is read back when its next input comes.
 */
final class LetGoCopies {
  /** How long a copy is kept at most: a run queued longer is read back. */
  static final long MAX_AGE_MS = 10 * 60_000L;

  private record Copy(RunRecord run, long keptAt, long weight) {}

  private final int capacity;
  private final long maxBytes;
  private final long maxAgeMs;
  private final Map<String, Copy> copies = new LinkedHashMap<>();

  /** The estimated heap of the copies ({@link JsonWeight#ofRun}). */
  private long bytes;

  /**
   * @param capacity how many copies at most
   * @param maxBytes how many bytes at most, all copies together ({@link JsonWeight#ofRun})
   * @param maxAgeMs how long a copy is kept at most
   */
  LetGoCopies(int capacity, long maxBytes, long maxAgeMs) {
    this.capacity = capacity;
    this.maxBytes = maxBytes;
    this.maxAgeMs = maxAgeMs;
  }

  /** Keeps the run as written at {@code now}, unless the copies are full. */
  void keep(RunRecord run, long now) {
    expire(now);
    String runId = run.runId().value();
    remove(runId); // (kept again: at the end, with its new time)
    if (capacity > 0 && copies.size() < capacity) {
      long weight = JsonWeight.ofRun(run);
      if (bytes + weight <= maxBytes) {
        copies.put(runId, new Copy(run, now, weight));
        bytes += weight;
      }
    }
  }

  /** The run as written, or null (none kept, or kept {@link #MAX_AGE_MS} ago or more). */
  RunRecord get(String runId, long now) {
    Copy copy = copies.get(runId);
    if (copy == null) {
      return null;
    }
    if (now - copy.keptAt() >= maxAgeMs) {
      remove(runId);
      return null;
    }
    return copy.run();
  }

  /** Drops the copy of a run an input changed. */
  void remove(String runId) {
    Copy gone = copies.remove(runId);
    if (gone != null) {
      bytes -= gone.weight();
    }
  }

  void clear() {
    copies.clear();
    bytes = 0;
  }

  /** The estimated heap of the copies ({@link JsonWeight#ofRun}). */
  long bytes() {
    return bytes;
  }

  int size() {
    return copies.size();
  }

  private void expire(long now) {
    Iterator<Copy> oldestFirst = copies.values().iterator();
    while (oldestFirst.hasNext()) {
      Copy oldest = oldestFirst.next();
      if (now - oldest.keptAt() < maxAgeMs) {
        return;
      }
      bytes -= oldest.weight();
      oldestFirst.remove();
    }
  }
}
