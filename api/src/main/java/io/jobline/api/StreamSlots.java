package io.jobline.api;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Live streams held open, per token and in all, within {@link ApiLimits}. */
final class StreamSlots {
  private final int perToken;
  private final int total;
  private final AtomicInteger open = new AtomicInteger();
  private final Map<String, AtomicInteger> byToken = new ConcurrentHashMap<>();

  StreamSlots(ApiLimits limits) {
    this.perToken = limits.streamsPerToken;
    this.total = limits.streams;
  }

  /**
   * Takes a slot for {@code caller}; give it back with {@link #release}.
   *
   * @throws ApiException 429 when the token or the api holds as many streams as allowed
   */
  void acquire(String caller) {
    AtomicInteger mine = byToken.computeIfAbsent(caller, k -> new AtomicInteger());
    if (mine.incrementAndGet() > perToken) {
      mine.decrementAndGet();
      throw new ApiException(
          429,
          "Too many streams",
          "the token '"
              + caller
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

  void release(String caller) {
    open.decrementAndGet();
    AtomicInteger mine = byToken.get(caller);
    if (mine != null) {
      mine.decrementAndGet();
    }
  }

  int open() {
    return open.get();
  }
}
