package io.jobline.api;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Each caller's share of the one search of {@code jobline.requests} an api process runs at a time
 * ({@link RequestedRuns}): a bucket of search time per caller, {@code burst} full, refilled at
 * {@code share} of the time that passes, and drawn on by the time each of its searches took. A
 * caller whose bucket is empty waits until it is not, so one caller asking again and again for ids
 * no one requested (each a search of up to 3 s) keeps the search at most that share of the time,
 * and other callers' runs accepted elsewhere a moment ago are still found.
 */
final class SearchShares {
  /** How often buckets that have filled up again are forgotten, in nanoseconds. */
  private static final long SWEEP_NANOS = Duration.ofMinutes(1).toNanos();

  private final long burstNanos;
  private final double share;
  private final LongSupplier nanos;
  private final Map<Object, Bucket> buckets = new ConcurrentHashMap<>();
  private volatile long sweptAt;

  /** Search time left (may be below 0: a search took more than was left) and when counted. */
  private static final class Bucket {
    double left;
    long at;

    Bucket(double left, long at) {
      this.left = left;
      this.at = at;
    }
  }

  /**
   * @param burst the search time a caller may take at once (at least one search's longest)
   * @param share the part of the time a caller's searches may take in the long run (0 to 1)
   * @param nanos the monotonic time, as {@link System#nanoTime()} tells it
   */
  SearchShares(Duration burst, double share, LongSupplier nanos) {
    this.burstNanos = burst.toNanos();
    this.share = share;
    this.nanos = nanos;
    this.sweptAt = nanos.getAsLong();
  }

  /** How long {@code caller} must wait before it may search again, in nanoseconds (0: it may). */
  long waitNanos(Object caller) {
    long now = nanos.getAsLong();
    sweep(now);
    Bucket b = buckets.get(caller);
    if (b == null) {
      return 0;
    }
    synchronized (b) {
      refill(b, now);
      return b.left > 0 ? 0 : (long) Math.ceil((1 - b.left) / share);
    }
  }

  /** {@code caller}'s search took {@code took} nanoseconds. */
  void took(Object caller, long took) {
    long now = nanos.getAsLong();
    Bucket b = buckets.computeIfAbsent(caller, k -> new Bucket(burstNanos, now));
    synchronized (b) {
      refill(b, now);
      b.left -= took;
    }
  }

  /** How many callers have a bucket (for tests). */
  int callers() {
    return buckets.size();
  }

  private void refill(Bucket b, long now) {
    if (now - b.at > 0) {
      b.left = Math.min(burstNanos, b.left + (now - b.at) * share);
      b.at = now;
    }
  }

  /** Forgets the buckets full again, at most once a minute: a caller is kept while it is owed. */
  private void sweep(long now) {
    long last = sweptAt;
    if (now - last < SWEEP_NANOS) {
      return;
    }
    sweptAt = now;
    buckets
        .entrySet()
        .removeIf(
            e -> {
              Bucket b = e.getValue();
              synchronized (b) {
                refill(b, now);
                return b.left >= burstNanos;
              }
            });
  }
}
