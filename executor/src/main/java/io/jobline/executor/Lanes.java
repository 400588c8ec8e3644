package io.jobline.executor;

import io.jobline.topic.Topics;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToLongFunction;
import org.apache.kafka.common.TopicPartition;

/**
 * Which lane a request waits in. A tenant's requests wait on the main lane ({@code
 * jobline.requests}) until {@code overflowAfter} of them, or {@code maxTenantBytes} of them (as
 * read), wait on this executor; further ones move to the overflow lane, so the other tenants'
 * requests behind them on the same partition are read and started at once. (By count alone, a few
 * tenants' large requests could fill the main lane's bytes in flight and stop it for everyone.) The
 * counts are taken again from the queue before each batch of records ({@link #recount}) and kept up
 * to date while the batch is read; the poll thread alone uses them.
 */
final class Lanes {
  /** How long after its last moved request a tenant still counts as overflowing. */
  static final long OVERFLOWING_NANOS = 5_000_000_000L;

  private final int overflowAfter;
  private final long maxTenantBytes;
  private final ToLongFunction<Pending> weight;
  private final Map<String, Integer> waiting = new HashMap<>();
  private final Map<String, Long> waitingBytes = new HashMap<>();
  private final Set<String> movedSinceRecount = new HashSet<>();
  private final Map<String, Long> lastMoved = new ConcurrentHashMap<>();

  /**
   * @param overflowAfter requests of one tenant waiting before the next goes to the overflow lane;
   *     0: never
   */
  Lanes(int overflowAfter) {
    this(overflowAfter, Long.MAX_VALUE, p -> 0);
  }

  /**
   * @param overflowAfter requests of one tenant waiting before the next goes to the overflow lane;
   *     0: never
   * @param maxTenantBytes bytes of one tenant's requests waiting (as read) before the next goes to
   *     the overflow lane (its first one waits here whatever its size)
   * @param weight the bytes of a waiting request, as read (taken again from every waiting request
   *     before each batch: a field, not a lookup)
   */
  Lanes(int overflowAfter, long maxTenantBytes, ToLongFunction<Pending> weight) {
    this.overflowAfter = overflowAfter;
    this.maxTenantBytes = maxTenantBytes;
    this.weight = weight;
  }

  static boolean isOverflow(TopicPartition tp) {
    return tp.topic().equals(Topics.REQUESTS_OVERFLOW.name());
  }

  /** Counts the main lane's waiting requests by tenant afresh. */
  void recount(Iterable<Pending> queued) {
    waiting.clear();
    waitingBytes.clear();
    movedSinceRecount.clear();
    for (Pending p : queued) {
      if (!isOverflow(p.partition())) {
        waiting.merge(p.tenantKey(), 1, Integer::sum);
        waitingBytes.merge(p.tenantKey(), weight.applyAsLong(p), Long::sum);
      }
    }
  }

  /**
   * Whether a request of the main lane waits there (counted) or moves to the overflow lane because
   * its tenant already has {@code overflowAfter} waiting.
   */
  boolean staysInMainLane(String tenantKey) {
    return staysInMainLane(tenantKey, 0, System.nanoTime());
  }

  /** {@link #staysInMainLane(String)} for a request of {@code bytes} (as read). */
  boolean staysInMainLane(String tenantKey, long bytes) {
    return staysInMainLane(tenantKey, bytes, System.nanoTime());
  }

  boolean staysInMainLane(String tenantKey, long bytes, long nowNanos) {
    if (overflowAfter <= 0 || tenantKey == null) {
      return true;
    }
    int now = waiting.getOrDefault(tenantKey, 0);
    long nowBytes = waitingBytes.getOrDefault(tenantKey, 0L);
    if (now >= overflowAfter || now > 0 && nowBytes + bytes > maxTenantBytes) {
      lastMoved.put(tenantKey, nowNanos);
      return false;
    }
    waiting.put(tenantKey, now + 1);
    waitingBytes.put(tenantKey, nowBytes + bytes);
    return true;
  }

  /** Notes that a request of the tenant went to the overflow lane without being counted here. */
  void stillOverflowing(String tenantKey) {
    lastMoved.put(tenantKey, System.nanoTime());
  }

  /**
   * Whether this is the first request of the tenant moved since the last {@link #recount} (then its
   * requests still waiting in the main lane are moved with it); true once per tenant and batch.
   */
  boolean firstMoveSinceRecount(String tenantKey) {
    return movedSinceRecount.add(tenantKey);
  }

  /**
   * Whether a tenant had a request moved to the overflow lane lately: its main-lane requests wait
   * behind its own backlog, which says nothing about how the other tenants are served. Any thread.
   */
  boolean isOverflowing(String tenantKey, long nowNanos) {
    Long at = tenantKey == null ? null : lastMoved.get(tenantKey);
    if (at == null) {
      return false;
    }
    if (nowNanos - at > OVERFLOWING_NANOS) {
      lastMoved.remove(tenantKey, at);
      return false;
    }
    return true;
  }
}
