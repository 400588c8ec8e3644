package io.jobline.executor;

import io.jobline.topic.FinishedOffsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Which offsets of each partition are taken but unfinished. The committable offset of a partition
 * is its lowest unfinished offset (or one past the last taken), so only finished work is committed;
 * the offsets finished above it go into the commit's metadata ({@link FinishedOffsets}).
 */
final class OffsetTracker {
  private final Map<TopicPartition, TreeSet<Long>> open = new HashMap<>();
  private final Map<TopicPartition, TreeSet<Long>> finishedAbove = new HashMap<>();
  private final Map<TopicPartition, Long> next = new HashMap<>();
  private final Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
  private int inFlight;
  private final Map<String, Integer> inFlightByTopic = new HashMap<>();

  synchronized void taken(TopicPartition tp, long offset) {
    open.computeIfAbsent(tp, k -> new TreeSet<>()).add(offset);
    next.merge(tp, offset + 1, Math::max);
    inFlight++;
    inFlightByTopic.merge(tp.topic(), 1, Integer::sum);
  }

  synchronized void finished(TopicPartition tp, long offset) {
    TreeSet<Long> offsets = open.get(tp);
    if (offsets != null && offsets.remove(offset)) {
      inFlight--;
      inFlightByTopic.merge(tp.topic(), -1, Integer::sum);
      finishedAbove.computeIfAbsent(tp, k -> new TreeSet<>()).add(offset);
    }
  }

  synchronized int inFlight() {
    return inFlight;
  }

  /** Offsets taken and not finished on the partitions of one topic. */
  synchronized int inFlight(String topic) {
    return inFlightByTopic.getOrDefault(topic, 0);
  }

  /**
   * How far past its first unfinished offset a partition has been read: the offsets finished in
   * between must all fit in the commit's metadata ({@link FinishedOffsets#MAX_SPAN}).
   */
  synchronized long span(TopicPartition tp) {
    Long nextOffset = next.get(tp);
    TreeSet<Long> offsets = open.get(tp);
    return nextOffset == null || offsets == null || offsets.isEmpty()
        ? 0
        : nextOffset - offsets.first();
  }

  /** Whether the partition is tracked here (this executor owns it). */
  synchronized boolean tracks(TopicPartition tp) {
    return next.containsKey(tp);
  }

  /**
   * Offsets (with the finished ones above them) to commit for the partitions in {@code owned} that
   * moved.
   */
  synchronized Map<TopicPartition, OffsetAndMetadata> committable(Set<TopicPartition> owned) {
    Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
    next.forEach(
        (tp, nextOffset) -> {
          if (!owned.contains(tp)) {
            return;
          }
          TreeSet<Long> offsets = open.get(tp);
          long offset = offsets == null || offsets.isEmpty() ? nextOffset : offsets.first();
          TreeSet<Long> done = finishedAbove.getOrDefault(tp, new TreeSet<>());
          done.headSet(offset).clear();
          OffsetAndMetadata om =
              new OffsetAndMetadata(offset, FinishedOffsets.encode(offset, done));
          if (!om.equals(committed.get(tp))) {
            out.put(tp, om);
          }
        });
    return out;
  }

  synchronized void markCommitted(Map<TopicPartition, OffsetAndMetadata> offsets) {
    committed.putAll(offsets);
  }

  /**
   * The offsets of a partition finished here since its last commit (what the next owner must skip).
   */
  synchronized Set<Long> finishedSinceCommit(TopicPartition tp) {
    OffsetAndMetadata at = committed.get(tp);
    TreeSet<Long> done = finishedAbove.getOrDefault(tp, new TreeSet<>());
    return new TreeSet<>(at == null ? done : done.tailSet(at.offset()));
  }

  /** The offsets of a partition taken and not finished (runs still going, or waiting). */
  synchronized Set<Long> unfinished(TopicPartition tp) {
    return new TreeSet<>(open.getOrDefault(tp, new TreeSet<>()));
  }

  /** Forgets a partition this executor no longer owns; its unfinished work will be redelivered. */
  synchronized void forget(TopicPartition tp) {
    TreeSet<Long> offsets = open.remove(tp);
    if (offsets != null) {
      inFlight -= offsets.size();
      inFlightByTopic.merge(tp.topic(), -offsets.size(), Integer::sum);
    }
    finishedAbove.remove(tp);
    next.remove(tp);
    committed.remove(tp);
  }
}
