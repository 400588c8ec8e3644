package io.jobline.history;

import io.jobline.run.RunRecord;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs history has read the request of and nothing else yet, held back from MongoDB for a moment:
 * most runs end soon after they are requested, and a run whose end comes while it is held is
 * written once, ended, instead of once queued and once ended.
 *
 * <p>A held run is let go (to be written queued) when history has read {@code hold} of stream time
 * past its request (its end would have come by now unless it waits in the executor's queue), when
 * its task is idle ({@link TaskPace#idle}: history is caught up, and a run not started {@code
 * idleHold} after history read it is waiting) and it was held that long, when it was held ten times
 * {@code hold} whatever the stream does, or when too many are held, by count or by the bytes of
 * their estimated heap ({@link JsonWeight#ofRun}). Requests are held in the order of their offsets
 * on one partition, so the lowest offset held is where a restarted task reads them again from
 * ({@link #note()}); nothing here is durable.
 */
final class QueuedHold {
  private final long holdMs;
  private final long idleHoldMs;
  private final int max;
  private final long maxBytes;
  private final Map<String, Held> held = new LinkedHashMap<>();

  /** The estimated heap of the runs held ({@link JsonWeight#ofRun}). */
  private long bytes;

  /** The offset after the last request its task read (-1: none yet). */
  private long readTo = -1;

  /**
   * The lowest offset of a note its task has not read again yet ({@link HeldRequests.Reader}; -1:
   * none): the note still reaches down to it.
   */
  private long unreadFrom = -1;

  private record Held(RunRecord run, long offset, long timestamp, long since, long weight) {}

  /**
   * @param holdMs how long a queued run is held (0: never)
   * @param idleHoldMs how long at most while the task is idle
   * @param max how many runs at most; the oldest goes when one more comes
   * @param maxBytes how many bytes at most ({@link JsonWeight#ofRun}); the oldest go when more come
   *     (a run heavier than this is let go at once)
   */
  QueuedHold(long holdMs, long idleHoldMs, int max, long maxBytes) {
    this.holdMs = holdMs;
    this.idleHoldMs = Math.min(holdMs, idleHoldMs);
    this.max = max;
    this.maxBytes = maxBytes;
  }

  boolean enabled() {
    return holdMs > 0;
  }

  /**
   * Holds a run read from its request at {@code offset} (record time {@code timestamp}) at wall
   * time {@code now}.
   *
   * @return runs let go to make room, to be written now
   */
  List<RunRecord> hold(String runId, RunRecord run, long offset, long timestamp, long now) {
    long weight = JsonWeight.ofRun(run);
    Held prior = held.get(runId);
    // a copy of a request held already (read again, or sent twice) keeps its place and its first
    // offset: the note starts at the first held entry's offset, and a later one left the runs
    // held between them out of it (found by review)
    Held before =
        held.put(
            runId,
            prior == null
                ? new Held(run, offset, timestamp, now, weight)
                : new Held(
                    run,
                    Math.min(prior.offset, offset),
                    Math.min(prior.timestamp, timestamp),
                    prior.since,
                    weight));
    bytes += weight - (before == null ? 0 : before.weight);
    read(offset);
    List<RunRecord> out = new ArrayList<>(1);
    Iterator<Held> oldest = held.values().iterator();
    while (held.size() > max || bytes > maxBytes) {
      Held h = oldest.next();
      out.add(h.run);
      bytes -= h.weight;
      oldest.remove();
    }
    return out;
  }

  /** The held run of this id, taken out (null if none is held). */
  RunRecord take(String runId) {
    Held h = held.remove(runId);
    if (h == null) {
      return null;
    }
    bytes -= h.weight;
    return h.run;
  }

  /** The held run of this id, left held (null if none is held). */
  RunRecord peek(String runId) {
    Held h = held.get(runId);
    return h == null ? null : h.run;
  }

  /** Forgets every held run (their requests are read again) and what was read. */
  void clear() {
    held.clear();
    bytes = 0;
    readTo = -1;
    unreadFrom = -1;
  }

  /**
   * Its task has yet to read again the requests of a note from {@code from} up to {@code to}
   * (exclusive): they stay in {@link #note()} until {@link #allReadAgain()}.
   */
  void unread(long from, long to) {
    unreadFrom = from;
    read(to - 1);
  }

  /** Its task has read again all its last note's requests. */
  void allReadAgain() {
    unreadFrom = -1;
  }

  /** The estimated heap of the runs held ({@link JsonWeight#ofRun}). */
  long bytes() {
    return bytes;
  }

  /** Its task read the request at {@code offset} (held or not). */
  void read(long offset) {
    readTo = Math.max(readTo, offset + 1);
  }

  /**
   * What a task started over must read again, as a {@link HeldRequests.Span} note: from the lowest
   * offset held (or not read again yet, {@link #unread}) to the first not read; null when nothing
   * is held or left to read again.
   */
  String note() {
    long from = held.isEmpty() ? -1 : held.values().iterator().next().offset;
    if (unreadFrom >= 0) {
      from = from < 0 ? unreadFrom : Math.min(from, unreadFrom);
    }
    return from < 0 || from >= readTo ? null : new HeldRequests.Span(from, readTo).note();
  }

  boolean isEmpty() {
    return held.isEmpty();
  }

  int size() {
    return held.size();
  }

  /**
   * The runs due to be written, taken out: at stream time {@code streamTime} and wall time {@code
   * now}, the task being {@code idle} or not.
   */
  List<RunRecord> due(long streamTime, long now, boolean idle) {
    if (held.isEmpty()) {
      return List.of();
    }
    List<RunRecord> out = new ArrayList<>();
    Iterator<Held> it = held.values().iterator();
    while (it.hasNext()) {
      Held h = it.next();
      boolean streamPassed = streamTime - h.timestamp >= holdMs;
      boolean idleLongEnough = idle && now - h.since >= idleHoldMs;
      if (streamPassed || idleLongEnough || now - h.since >= 10 * holdMs) {
        out.add(h.run);
        bytes -= h.weight;
        it.remove();
      } else {
        // held in offset order, so in order of holding and (nearly) of record time: the rest are
        // not due either
        break;
      }
    }
    return out;
  }
}
