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
  private final Map<Caller.LimitKey, AtomicInteger> byToken = new ConcurrentHashMap<>();

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
    AtomicInteger mine = byToken.computeIfAbsent(caller.limitKey(), k -> new AtomicInteger());
    if (mine.incrementAndGet() > perToken) {
      mine.decrementAndGet();
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
      mine.decrementAndGet();
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
    AtomicInteger mine = byToken.get(caller.limitKey());
    if (mine != null) {
      mine.decrementAndGet();
    }
  }

  int open() {
    return open.get();
  }
}
