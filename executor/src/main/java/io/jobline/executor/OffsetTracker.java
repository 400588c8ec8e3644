package io.jobline.executor;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Which offsets of each partition are taken but unfinished. The committable offset of a partition
 * is its lowest unfinished offset (or one past the last taken), so only finished work is committed.
 */
final class OffsetTracker {
  private final Map<TopicPartition, TreeSet<Long>> open = new HashMap<>();
  private final Map<TopicPartition, Long> next = new HashMap<>();
  private final Map<TopicPartition, Long> committed = new HashMap<>();
  private int inFlight;

  synchronized void taken(TopicPartition tp, long offset) {
    open.computeIfAbsent(tp, k -> new TreeSet<>()).add(offset);
    next.merge(tp, offset + 1, Math::max);
    inFlight++;
  }

  synchronized void finished(TopicPartition tp, long offset) {
    TreeSet<Long> offsets = open.get(tp);
    if (offsets != null && offsets.remove(offset)) {
      inFlight--;
    }
  }

  synchronized int inFlight() {
    return inFlight;
  }

  /** Offsets to commit that moved since the last call. */
  synchronized Map<TopicPartition, OffsetAndMetadata> committable() {
    Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
    next.forEach((tp, nextOffset) -> {
      TreeSet<Long> offsets = open.get(tp);
      long offset = offsets == null || offsets.isEmpty() ? nextOffset : offsets.first();
      if (!Long.valueOf(offset).equals(committed.get(tp))) {
        out.put(tp, new OffsetAndMetadata(offset));
      }
    });
    return out;
  }

  synchronized void markCommitted(Map<TopicPartition, OffsetAndMetadata> offsets) {
    offsets.forEach((tp, om) -> committed.put(tp, om.offset()));
  }

  /** Forgets a partition this executor no longer owns; its unfinished work will be redelivered. */
  synchronized void forget(TopicPartition tp) {
    TreeSet<Long> offsets = open.remove(tp);
    if (offsets != null) {
      inFlight -= offsets.size();
    }
    next.remove(tp);
    committed.remove(tp);
  }
}
