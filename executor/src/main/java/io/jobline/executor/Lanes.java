package io.jobline.executor;

import io.jobline.topic.Topics;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;

/**
 * Which lane a request waits in. A tenant's requests wait on the main lane ({@code
 * jobline.requests}) until {@code overflowAfter} of them wait on this executor; further ones move
 * to the overflow lane, so the other tenants' requests behind them on the same partition are read
 * and started at once. The counts are taken again from the queue before each batch of records
 * ({@link #recount}) and kept up to date while the batch is read; the poll thread alone uses them.
 */
final class Lanes {
  /** How long after its last moved request a tenant still counts as overflowing. */
  static final long OVERFLOWING_NANOS = 5_000_000_000L;

  private final int overflowAfter;
  private final Map<String, Integer> waiting = new HashMap<>();
  private final Set<String> movedSinceRecount = new HashSet<>();
  private final Map<String, Long> lastMoved = new ConcurrentHashMap<>();

  /**
   * @param overflowAfter requests of one tenant waiting before the next goes to the overflow lane;
   *     0: never
   */
  Lanes(int overflowAfter) {
    this.overflowAfter = overflowAfter;
  }

  static boolean isOverflow(TopicPartition tp) {
    return tp.topic().equals(Topics.REQUESTS_OVERFLOW.name());
  }

  /** Counts the main lane's waiting requests by tenant afresh. */
  void recount(Iterable<Pending> queued) {
    waiting.clear();
    movedSinceRecount.clear();
    for (Pending p : queued) {
      if (!isOverflow(p.partition())) {
        waiting.merge(p.tenantKey(), 1, Integer::sum);
      }
    }
  }

  /**
   * Whether a request of the main lane waits there (counted) or moves to the overflow lane because
   * its tenant already has {@code overflowAfter} waiting.
   */
  boolean staysInMainLane(String tenantKey) {
    return staysInMainLane(tenantKey, System.nanoTime());
  }

  boolean staysInMainLane(String tenantKey, long nowNanos) {
    if (overflowAfter <= 0 || tenantKey == null) {
      return true;
    }
    int now = waiting.getOrDefault(tenantKey, 0);
    if (now >= overflowAfter) {
      lastMoved.put(tenantKey, nowNanos);
      return false;
    }
    waiting.put(tenantKey, now + 1);
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
