package io.jobline.api;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One lock per key, kept while anyone holds it or waits for it, and dropped when no one does. A
 * lock dropped as soon as its holder let go (found by review) let a third request take a new one
 * while a second still waited on the old: after a failed send, both sent.
 */
final class KeyLocks {
  private final ConcurrentHashMap<String, Entry> locks = new ConcurrentHashMap<>();

  /** What a {@link #tryLock} returns: lets go of the key. */
  interface Held extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Waits up to {@code wait} for {@code key}'s lock; empty when another holds it that long (or the
   * wait is interrupted). A request held up behind one that waits on a slow send gives up rather
   * than keep its thread (found by review: requests of one key, each waiting in turn, could hold
   * every thread of the api).
   */
  Optional<Held> tryLock(String key, Duration wait) {
    Entry entry = use(key);
    boolean locked = false;
    try {
      locked = entry.lock.tryLock(wait.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!locked) {
      release(key);
      return Optional.empty();
    }
    return Optional.of(held(key, entry));
  }

  /** Counts one more user of {@code key}'s lock, made if there is none. */
  private Entry use(String key) {
    // counted under the map's own lock on the key, so a count never misses a user
    return locks.compute(
        key,
        (k, e) -> {
          Entry kept = e == null ? new Entry() : e;
          kept.users++;
          return kept;
        });
  }

  private void release(String key) {
    locks.computeIfPresent(key, (k, e) -> --e.users == 0 ? null : e);
  }

  /** The handle of a lock taken: lets go once, however often it is closed. */
  private Held held(String key, Entry entry) {
    AtomicBoolean open = new AtomicBoolean(true);
    return () -> {
      if (open.compareAndSet(true, false)) {
        entry.lock.unlock();
        release(key);
      }
    };
  }

  /** How many keys have a lock now (held or waited for). */
  int size() {
    return locks.size();
  }

  private static final class Entry {
    final ReentrantLock lock = new ReentrantLock();
    int users; // changed only inside the map's compute for the key
  }
}
