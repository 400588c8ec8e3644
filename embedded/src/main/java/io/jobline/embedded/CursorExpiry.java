package io.jobline.embedded;

import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.CursorNotFoundException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
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
 * {@link #IDLE}. A {@code getMore} is a use. A cursor a {@code find} opened with {@code
 * noCursorTimeout} is closed after {@link #IDLE_WITHOUT_TIMEOUT} instead: MongoDB keeps it past its
 * cursor timeout but kills it with its session, which expires 30 minutes after its last use ({@code
 * localLogicalSessionTimeoutMinutes}); a client that asked for it (a long export that writes each
 * page to a slow target) is not cut off after ten minutes, and one that died still frees the
 * memory.
 */
final class CursorExpiry {
  static final Duration IDLE = Duration.ofMinutes(10);

  /** How long a cursor opened with {@code noCursorTimeout} may go unread. */
  static final Duration IDLE_WITHOUT_TIMEOUT = Duration.ofMinutes(30);

  /** How many of the last cursor numbers a sweep looks at again at the next. */
  static final int LOOK_AGAIN = 64;

  private final CursorRegistry registry;
  private final LongSupplier nanos;
  private final long idleNanos;
  private final long idleWithoutTimeoutNanos;

  /** The cursors opened with {@code noCursorTimeout}. */
  private final Set<Long> withoutTimeout = ConcurrentHashMap.newKeySet();

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
    this.idleWithoutTimeoutNanos = idleNanos * IDLE_WITHOUT_TIMEOUT.dividedBy(IDLE);
  }

  /** Notes a command: a {@code getMore} uses its cursor. */
  void command(String command, Document query) {
    if ("getmore".equalsIgnoreCase(command) && query.get(command) instanceof Number id) {
      lastUsed.replace(id.longValue(), nanos.getAsLong()); // (one no sweep has seen yet is new)
    }
  }

  /**
   * Notes a command's answer: a {@code find} asked for {@code noCursorTimeout} opened its cursor.
   */
  void answered(String command, Document query, Document answer) {
    if ("find".equalsIgnoreCase(command)
        && Boolean.TRUE.equals(query.get("noCursorTimeout"))
        && answer != null
        && answer.get("cursor") instanceof Document cursor
        && cursor.get("id") instanceof Number id
        && id.longValue() != 0) {
      withoutTimeout.add(id.longValue());
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
    // (one closed before any sweep saw it is in no other list: found by review)
    withoutTimeout.removeIf(id -> !open(id));
    int closed = 0;
    for (Map.Entry<Long, Long> cursor : lastUsed.entrySet()) {
      long id = cursor.getKey();
      long idle = withoutTimeout.contains(id) ? idleWithoutTimeoutNanos : idleNanos;
      if (!open(id)) {
        forget(id);
      } else if (now - cursor.getValue() >= idle && registry.remove(id)) {
        forget(id);
        closed++;
      }
    }
    return closed;
  }

  private void forget(long id) {
    lastUsed.remove(id);
    withoutTimeout.remove(id);
  }

  /** The cursors noted as opened with {@code noCursorTimeout}. */
  int withoutTimeout() {
    return withoutTimeout.size();
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
