package io.jobline.embedded;

import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.CursorNotFoundException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Closes the cursors no one has read for {@link #IDLE} (MongoDB's own cursor timeout). The library
 * keeps a cursor, with every document its query matched and not yet returned, until a client reads
 * it to the end or kills it: a client that stopped half-way without killing it (a process killed
 * while it paged through a collection, a dropped connection) left that memory held until the store
 * stopped. Found by review.
 *
 * <p>The library does not list its cursors, but numbers them in order: each {@link #sweep} looks at
 * the numbers given since the last one, keeps those still open, and closes those of them idle for
 * {@link #IDLE}. A {@code getMore} is a use.
 */
final class CursorExpiry {
  static final Duration IDLE = Duration.ofMinutes(10);

  /** How many of the last cursor numbers a sweep looks at again at the next. */
  static final int LOOK_AGAIN = 64;

  private final CursorRegistry registry;
  private final LongSupplier nanos;
  private final long idleNanos;

  /** The open cursors seen, and when each was last used ({@link #nanos}). */
  private final Map<Long, Long> lastUsed = new ConcurrentHashMap<>();

  /** The cursor numbers given up to this one have been looked at. */
  private long seenUpTo;

  CursorExpiry(CursorRegistry registry, LongSupplier nanos) {
    this(registry, nanos, IDLE);
  }

  CursorExpiry(CursorRegistry registry, LongSupplier nanos, Duration idle) {
    this.registry = registry;
    this.nanos = nanos;
    this.idleNanos = idle.toNanos();
  }

  /** Notes a command: a {@code getMore} uses its cursor. */
  void command(String command, Document query) {
    if ("getmore".equalsIgnoreCase(command) && query.get(command) instanceof Number id) {
      lastUsed.replace(id.longValue(), nanos.getAsLong()); // (one no sweep has seen yet is new)
    }
  }

  /**
   * Looks at the cursors opened since the last sweep and closes those idle for {@link #IDLE}.
   *
   * @return how many it closed
   */
  synchronized int sweep() {
    long now = nanos.getAsLong();
    long newest = registry.generateCursorId(); // (the next number, spent: none will carry it)
    for (long id = seenUpTo + 1; id < newest; id++) {
      if (open(id)) {
        lastUsed.putIfAbsent(id, now);
      }
    }
    // (the library numbers a cursor, then registers it: the last numbers are looked at again next
    // time, so that one numbered just before and not registered yet is not passed over for good;
    // found by review)
    seenUpTo = Math.max(seenUpTo, newest - LOOK_AGAIN);
    int closed = 0;
    for (Map.Entry<Long, Long> cursor : lastUsed.entrySet()) {
      long id = cursor.getKey();
      if (!open(id)) {
        lastUsed.remove(id);
      } else if (now - cursor.getValue() >= idleNanos && registry.remove(id)) {
        lastUsed.remove(id);
        closed++;
      }
    }
    return closed;
  }

  /** The cursors open and seen by a sweep. */
  int tracked() {
    return lastUsed.size();
  }

  private boolean open(long id) {
    try {
      registry.getCursor(id);
      return true;
    } catch (CursorNotFoundException e) {
      return false;
    }
  }
}
