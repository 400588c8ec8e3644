package io.jobline.api;

import io.jobline.api.auth.Access;
import io.jobline.api.auth.Caller;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A token bucket per caller on the write routes (POST, PATCH, DELETE): {@link ApiLimits#writeBurst}
 * at once, refilled at {@link ApiLimits#writesPerSecond}; past it, 429 with {@code Retry-After}. A
 * caller's bucket is its {@link Caller#limitKey()}'s, so callers of different tenants that share a
 * name do not drain each other's.
 */
@Priority(Priorities.AUTHORIZATION + 10)
public final class WriteRateLimit implements ContainerRequestFilter {
  private static final Set<String> WRITES = Set.of("POST", "PATCH", "PUT", "DELETE");
  private final double perNano;
  private final double burst;
  private final Clock clock;
  private final Map<Caller.LimitKey, Bucket> buckets = new ConcurrentHashMap<>();

  /** Tokens left and when they were last counted. */
  private static final class Bucket {
    double tokens;
    long at;
  }

  public WriteRateLimit(ApiLimits limits, Clock clock) {
    this.perNano = limits.writesPerSecond / 1e9;
    this.burst = limits.writeBurst;
    this.clock = clock;
  }

  @Override
  public void filter(ContainerRequestContext request) {
    if (!WRITES.contains(request.getMethod())) {
      return;
    }
    Caller caller = Access.caller(request.getSecurityContext());
    long wait = take(caller);
    if (wait > 0) {
      long seconds = Math.max(1, (wait + 999_999_999L) / 1_000_000_000L);
      request.abortWith(
          Response.status(429)
              .type(Problem.MEDIA_TYPE)
              .header("Retry-After", seconds)
              .entity(
                  new Problem(
                      "about:blank",
                      "Too many requests",
                      429,
                      "the token '"
                          + caller.name()
                          + "' made more than "
                          + (int) burst
                          + " write requests in a burst ("
                          + Math.round(perNano * 1e9)
                          + " per second sustained); "
                          + "try again in "
                          + seconds
                          + " s",
                      "Authorization",
                      null))
              .build());
    }
  }

  /** How often buckets that have filled up again are forgotten, in nanoseconds. */
  private static final long SWEEP_NANOS = 60_000_000_000L;

  private final AtomicLong sweptAt = new AtomicLong();

  /**
   * Forgets the buckets that are full by now: one would be made full again at the caller's next
   * write. (Found by review: kept for good, one for every JWT without sub ever seen, they grew
   * without bound as such tokens were issued anew.) One request a minute sweeps (a million buckets
   * took it 100–170 ms); the takes of a caller racing the sweep of its bucket may count against the
   * bucket forgotten, and that caller gets up to that many writes more, once.
   */
  private void sweep(long now) {
    long last = sweptAt.get();
    if (now - last < SWEEP_NANOS || !sweptAt.compareAndSet(last, now)) {
      return;
    }
    buckets
        .entrySet()
        .removeIf(
            e -> {
              Bucket b = e.getValue();
              synchronized (b) {
                return b.tokens + Math.max(0, now - b.at) * perNano >= burst;
              }
            });
  }

  /** Callers with a bucket now (for tests). */
  int buckets() {
    return buckets.size();
  }

  /** Takes a token for {@code caller}; 0 if there was one, else the nanoseconds until there is. */
  long take(Caller caller) {
    long now = clock.millis() * 1_000_000L;
    sweep(now);
    Bucket b =
        buckets.computeIfAbsent(
            caller.limitKey(),
            k -> {
              Bucket fresh = new Bucket();
              fresh.tokens = burst;
              fresh.at = now;
              return fresh;
            });
    synchronized (b) {
      b.tokens = Math.min(burst, b.tokens + Math.max(0, now - b.at) * perNano);
      b.at = Math.max(b.at, now);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
      }
      return (long) Math.ceil((1 - b.tokens) / perNano);
    }
  }
}
