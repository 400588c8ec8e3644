package io.jobline.executor;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The requests of overflowing tenants read but not yet moved to the overflow lane, in the order
 * read, per partition (poll thread only). Reading a record is far cheaper than moving it, so the
 * poll thread reads on past a tenant's burst at once — the other tenants' requests behind it start
 * without waiting for the move — and moves the burst from here between polls. Once a tenant has a
 * request waiting here on a partition, all its later ones there wait here too, so the overflow lane
 * gets them in order. Bounded by bytes: when full, the partitions with requests here are not read
 * until some have moved.
 */
final class MoveQueue {
  /**
   * What a request waiting here is taken to cost besides its key and value: the record, its entry
   * here and its unfinished offset's tree node (an estimate from their fields, not measured).
   */
  static final int RECORD_OVERHEAD = 300;

  /**
   * A request waiting to be moved, with its tenant, the run attempt it names (or null), and whether
   * it only follows a copy moved before (then its tenant's next requests do not join it: {@link
   * #holds}).
   */
  record Waiting(
      ConsumerRecord<byte[], byte[]> record, String tenantKey, String claimKey, boolean follows) {}

  private final long maxBytes;
  private final Map<TopicPartition, ArrayDeque<Waiting>> queues = new LinkedHashMap<>();
  private final Map<TopicPartition, Map<String, Integer>> tenants = new HashMap<>();
  private long bytes;
  private int size;

  MoveQueue(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  /** Whether the tenant has requests waiting here on the partition (its next ones join them). */
  boolean holds(TopicPartition tp, String tenantKey) {
    Map<String, Integer> counts = tenants.get(tp);
    return counts != null && counts.containsKey(tenantKey);
  }

  void add(TopicPartition tp, String tenantKey, ConsumerRecord<byte[], byte[]> record) {
    add(tp, tenantKey, record, null, false);
  }

  void add(
      TopicPartition tp,
      String tenantKey,
      ConsumerRecord<byte[], byte[]> record,
      String claimKey,
      boolean follows) {
    queues
        .computeIfAbsent(tp, k -> new ArrayDeque<>())
        .add(new Waiting(record, tenantKey, claimKey, follows));
    if (!follows) {
      tenants.computeIfAbsent(tp, k -> new HashMap<>()).merge(tenantKey, 1, Integer::sum);
    }
    bytes += cost(record);
    size++;
  }

  /**
   * Takes the next request to move: the oldest of the partition after the one taken from last, so
   * every partition's backlog moves on.
   */
  Waiting next() {
    Iterator<Map.Entry<TopicPartition, ArrayDeque<Waiting>>> it = queues.entrySet().iterator();
    if (!it.hasNext()) {
      return null;
    }
    Map.Entry<TopicPartition, ArrayDeque<Waiting>> first = it.next();
    TopicPartition tp = first.getKey();
    ArrayDeque<Waiting> queue = first.getValue();
    Waiting w = queue.poll();
    it.remove();
    if (!queue.isEmpty()) {
      queues.put(tp, queue); // to the back of the round
    }
    Map<String, Integer> counts = w.follows() ? null : tenants.get(tp);
    if (counts != null && counts.merge(w.tenantKey(), -1, Integer::sum) == 0) {
      counts.remove(w.tenantKey());
      if (counts.isEmpty()) {
        tenants.remove(tp);
      }
    }
    bytes -= cost(w.record());
    size--;
    return w;
  }

  /** Forgets what waits on these partitions (no longer owned, or read again from the commit). */
  void drop(Collection<TopicPartition> partitions) {
    for (TopicPartition tp : partitions) {
      ArrayDeque<Waiting> queue = queues.remove(tp);
      tenants.remove(tp);
      if (queue != null) {
        for (Waiting w : queue) {
          bytes -= cost(w.record());
        }
        size -= queue.size();
      }
    }
  }

  boolean isEmpty() {
    return size == 0;
  }

  int size() {
    return size;
  }

  /** Whether it holds as much as it may: its partitions are not read until some has moved. */
  boolean isFull() {
    return bytes >= maxBytes;
  }

  /** The partitions with requests waiting here. */
  Set<TopicPartition> partitions() {
    return queues.keySet();
  }

  private static long cost(ConsumerRecord<byte[], byte[]> record) {
    return RECORD_OVERHEAD
        + (record.key() == null ? 0 : record.key().length)
        + (record.value() == null ? 0 : record.value().length);
  }
}
