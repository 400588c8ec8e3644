package io.jobline.api;

import io.jobline.api.auth.Caller;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Live streams held open, per token and in all, within {@link ApiLimits}. A token's streams are
 * counted by its {@link Caller#limitKey()}, so callers of different tenants that share a name hold
 * slots of their own.
 */
final class StreamSlots {
  private final int perToken;
  private final int total;
  private final AtomicInteger open = new AtomicInteger();
  private final Map<Caller.LimitKey, Integer> byToken = new ConcurrentHashMap<>();

  StreamSlots(ApiLimits limits) {
    this.perToken = limits.streamsPerToken;
    this.total = limits.streams;
  }

  /**
   * Takes a slot for {@code caller}; give it back with {@link #release}.
   *
   * @throws ApiException 429 when the token or the api holds as many streams as allowed
   */
  void acquire(Caller caller) {
    Caller.LimitKey key = caller.limitKey();
    boolean[] over = new boolean[1];
    byToken.compute(
        key,
        (k, held) -> {
          int n = held == null ? 0 : held;
          over[0] = n >= perToken;
          return over[0] ? held : Integer.valueOf(n + 1);
        });
    if (over[0]) {
      throw new ApiException(
          429,
          "Too many streams",
          "the token '"
              + caller.name()
              + "' already holds "
              + perToken
              + " live streams open; close one (or follow the run with GET /jobs/runs/{run_id})",
          "Authorization",
          null);
    }
    if (open.incrementAndGet() > total) {
      open.decrementAndGet();
      giveBack(key);
      throw new ApiException(
          429,
          "Too many streams",
          "the api holds " + total + " live streams open, its limit; " + "try again shortly",
          null,
          null);
    }
  }

  void release(Caller caller) {
    open.decrementAndGet();
    giveBack(caller.limitKey());
  }

  /**
   * One slot of {@code key} back; a token holding none is forgotten. (Found by review: kept at 0,
   * every token ever seen stayed, and JWTs without sub, each counted apart, grew the map for good.)
   */
  private void giveBack(Caller.LimitKey key) {
    byToken.computeIfPresent(key, (k, held) -> held <= 1 ? null : Integer.valueOf(held - 1));
  }

  /** Tokens holding a stream now (for tests). */
  int tokens() {
    return byToken.size();
  }

  int open() {
    return open.get();
  }
}
