package io.jobline.api;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Each caller's share of the one search of {@code jobline.requests} an api process runs at a time
 * ({@link RequestedRuns}): a bucket of search time per caller, {@code burst} full, refilled at
 * {@code share} of the time that passes, and drawn on by the time each of its searches took. A
 * caller whose bucket is empty waits until it is not, so one caller asking again and again for ids
 * no one requested (each a search of up to 3 s) keeps the search at most that share of the time,
 * and other callers' runs accepted elsewhere a moment ago are still found. Callers are told apart
 * by their limit key: each API key and each JWT subject has a share of its own, and callers without
 * one (the dev token, anonymous access) share one.
 */
final class SearchShares {
  /** How often buckets that have filled up again are forgotten, in nanoseconds. */
  private static final long SWEEP_NANOS = Duration.ofMinutes(1).toNanos();

  private final long burstNanos;
  private final double share;
  private final LongSupplier nanos;
  private final ConcurrentHashMap<Object, Bucket> buckets = new ConcurrentHashMap<>();
  private volatile long sweptAt;

  /**
   * Search time left (below 0 while owed: each search takes the longest one's time when it begins,
   * and gives back what it did not use when it ends) and when it was counted. Changed only within
   * the map's {@code compute}.
   */
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

  /**
   * Takes a search's longest time ({@code burst}) from {@code caller}'s share, to be given back in
   * part when the search ends ({@link #took}), if it has any left: so a caller has one search at a
   * time while it owes, however many of its requests come at once (found by review: checked first
   * and charged at the end, every request that came during a caller's search went on).
   *
   * @return 0 when taken; else how long it must wait before it may search again, in nanoseconds
   */
  long take(Object caller) {
    long now = nanos.getAsLong();
    sweep(now);
    long[] wait = {0};
    buckets.compute(
        caller,
        (k, b) -> {
          Bucket bucket = b == null ? new Bucket(burstNanos, now) : b;
          refill(bucket, now);
          if (bucket.left > 0) {
            bucket.left -= burstNanos;
          } else {
            wait[0] = (long) Math.ceil((1 - bucket.left) / share);
          }
          return bucket;
        });
    return wait[0];
  }

  /**
   * The search {@code caller} took its share for ({@link #take}) ended after {@code took}
   * nanoseconds (0: it did not read, as when Kafka could not be reached): what it did not use is
   * given back.
   */
  void took(Object caller, long took) {
    long now = nanos.getAsLong();
    buckets.computeIfPresent(
        caller,
        (k, b) -> {
          refill(b, now);
          b.left = Math.min(burstNanos, b.left + burstNanos - Math.min(took, burstNanos));
          return b;
        });
  }

  /** The search time {@code caller} has left, in nanoseconds (for tests). */
  long left(Object caller) {
    Bucket b = buckets.get(caller);
    return b == null ? burstNanos : (long) b.left;
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
    for (Object caller : buckets.keySet()) {
      // (found by review: removed between a charge's lookup and the charge, the search went free)
      buckets.computeIfPresent(
          caller,
          (k, b) -> {
            refill(b, now);
            return b.left >= burstNanos ? null : b;
          });
    }
  }
}
