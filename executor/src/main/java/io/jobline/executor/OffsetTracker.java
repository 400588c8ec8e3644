package io.jobline.executor;

import io.jobline.topic.FinishedOffsets;
import io.jobline.topic.KafkaSettings;
import io.jobline.topic.TopicAdmin;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which offsets of each partition are taken but unfinished. The committable offset of a partition
 * is its lowest unfinished offset (or one past the last taken), so only finished work is committed;
 * the offsets finished above it go into the commit's metadata ({@link FinishedOffsets}). An offset
 * taken to be moved aside later ({@link #deferred}) is unfinished too, but not in flight: it holds
 * back the commit, not the reading.
 */
final class OffsetTracker {
  private static final Logger LOG = LoggerFactory.getLogger(OffsetTracker.class);

  private final int maxSpan;
  private final Map<TopicPartition, TreeSet<Long>> open = new HashMap<>();
  private final Map<TopicPartition, Integer> deferred = new HashMap<>();
  private final Map<TopicPartition, TreeSet<Long>> finishedAbove = new HashMap<>();
  private final Map<TopicPartition, Long> next = new HashMap<>();
  private final Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
  private final Map<TopicPartition, Set<Long>> readAgain = new HashMap<>();
  private int inFlight;
  private final Map<String, Integer> inFlightByTopic = new HashMap<>();

  /**
   * The bytes of the records in flight, per partition and offset ({@link #taken(TopicPartition,
   * long, long)}).
   */
  private final Map<TopicPartition, Map<Long, Long>> weights = new HashMap<>();

  private final Map<String, Long> inFlightBytesByTopic = new HashMap<>();

  OffsetTracker() {
    this(FinishedOffsets.MAX_SPAN);
  }

  /**
   * @param maxSpan how far above the committed offset the commit's metadata can say what finished
   *     ({@link FinishedOffsets#maxSpan})
   */
  OffsetTracker(int maxSpan) {
    this.maxSpan = maxSpan;
  }

  /**
   * A tracker whose commits carry as much as the brokers' {@code offset.metadata.max.bytes} allows.
   */
  static OffsetTracker forBrokers(KafkaSettings kafka, String executorId) {
    int bytes = TopicAdmin.offsetMetadataMaxBytes(kafka, Duration.ofSeconds(10));
    OffsetTracker tracker = new OffsetTracker(FinishedOffsets.maxSpan(bytes));
    LOG.info(
        "Executor {} reads a partition up to {} offsets past its first unfinished one (the brokers"
            + " allow {} bytes of commit metadata)",
        executorId,
        tracker.maxSpan,
        bytes);
    return tracker;
  }

  int maxSpan() {
    return maxSpan;
  }

  /** Takes an offset whose record waits to be moved aside ({@link #moved}); not in flight. */
  synchronized void deferred(TopicPartition tp, long offset) {
    open.computeIfAbsent(tp, k -> new TreeSet<>()).add(offset);
    next.merge(tp, offset + 1, Math::max);
    deferred.merge(tp, 1, Integer::sum);
  }

  /** A {@link #deferred} offset whose record was moved aside: it is finished. */
  synchronized void moved(TopicPartition tp, long offset) {
    TreeSet<Long> offsets = open.get(tp);
    if (offsets != null && offsets.remove(offset)) {
      deferred.merge(tp, -1, Integer::sum);
      finishedAbove.computeIfAbsent(tp, k -> new TreeSet<>()).add(offset);
    }
  }

  synchronized void taken(TopicPartition tp, long offset) {
    taken(tp, offset, 0);
  }

  /** Takes an offset whose record ({@code bytes} of it, as read) is in flight until finished. */
  synchronized void taken(TopicPartition tp, long offset, long bytes) {
    open.computeIfAbsent(tp, k -> new TreeSet<>()).add(offset);
    next.merge(tp, offset + 1, Math::max);
    inFlight++;
    inFlightByTopic.merge(tp.topic(), 1, Integer::sum);
    if (bytes > 0) {
      Long before = weights.computeIfAbsent(tp, k -> new HashMap<>()).put(offset, bytes);
      inFlightBytesByTopic.merge(tp.topic(), bytes - (before == null ? 0 : before), Long::sum);
    }
  }

  /** The weight of the record at an offset leaving the flight. */
  private void unweigh(TopicPartition tp, long offset) {
    Map<Long, Long> byOffset = weights.get(tp);
    Long bytes = byOffset == null ? null : byOffset.remove(offset);
    if (bytes != null) {
      inFlightBytesByTopic.merge(tp.topic(), -bytes, Long::sum);
    }
  }

  /**
   * The record at {@code offset} is done with. One not read yet since the partition was read again
   * ({@link #readFrom}) — a run that ended here before, whose end goes out now — is finished ahead:
   * its offset is committed as finished with its end, and the record is skipped when read.
   */
  synchronized void finished(TopicPartition tp, long offset) {
    TreeSet<Long> offsets = open.get(tp);
    if (offsets != null && offsets.remove(offset)) {
      inFlight--;
      inFlightByTopic.merge(tp.topic(), -1, Integer::sum);
      unweigh(tp, offset);
      finishedAbove.computeIfAbsent(tp, k -> new TreeSet<>()).add(offset);
    } else if (next.containsKey(tp) && offset >= next.get(tp)) {
      finishedAbove.computeIfAbsent(tp, k -> new TreeSet<>()).add(offset);
    }
  }

  /** Whether the offset, not read yet, was finished ahead ({@link #finished}). */
  synchronized boolean finishedAhead(TopicPartition tp, long offset) {
    Long nextOffset = next.get(tp);
    TreeSet<Long> done = finishedAbove.get(tp);
    return nextOffset != null && offset >= nextOffset && done != null && done.contains(offset);
  }

  /**
   * Starts the partition over at {@code offset}, where it is read again from (after an abort): what
   * was taken or finished since is forgotten. {@code ranHere} are the offsets whose runs went on or
   * ended here: read again, they are copies only this executor can tell ({@link #readAgain}).
   */
  synchronized void readFrom(TopicPartition tp, long offset, Set<Long> ranHere) {
    Set<Long> copies = readAgain.remove(tp);
    forget(tp);
    next.put(tp, offset);
    if (copies == null) {
      copies = new HashSet<>();
    }
    copies.addAll(ranHere);
    readAgain.put(tp, copies);
  }

  /**
   * Whether the record at the offset, read again after {@link #readFrom}, is a copy of a request
   * whose run went on or ended here: it stays in the main lane (not moved aside) to be found so.
   */
  synchronized boolean readAgain(TopicPartition tp, long offset) {
    Set<Long> copies = readAgain.get(tp);
    return copies != null && copies.contains(offset);
  }

  synchronized int inFlight() {
    return inFlight;
  }

  /** Offsets taken and not finished on the partitions of one topic. */
  synchronized int inFlight(String topic) {
    return inFlightByTopic.getOrDefault(topic, 0);
  }

  /** The bytes of the records taken and not finished on the partitions of one topic. */
  synchronized long inFlightBytes(String topic) {
    return inFlightBytesByTopic.getOrDefault(topic, 0L);
  }

  /**
   * How far past its first unfinished offset a partition has been read: the offsets finished in
   * between must all fit in the commit's metadata ({@link #maxSpan}).
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

  /** {@link #committable(Set, Function)} with nothing to skip. */
  Map<TopicPartition, OffsetAndMetadata> committable(Set<TopicPartition> owned) {
    return committable(owned, tp -> Set.of());
  }

  /**
   * Offsets (with the finished ones above them) to commit for the partitions in {@code owned} that
   * moved. {@code skipped} gives each partition's offsets finished elsewhere that are still to be
   * read (and skipped): the commit must go on saying so.
   */
  synchronized Map<TopicPartition, OffsetAndMetadata> committable(
      Set<TopicPartition> owned, Function<TopicPartition, Set<Long>> skipped) {
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
          Set<Long> toSkip = skipped.apply(tp);
          if (toSkip != null && !toSkip.isEmpty()) {
            done = new TreeSet<>(done);
            for (long s : toSkip) {
              if (s >= offset) {
                done.add(s);
              }
            }
          }
          OffsetAndMetadata om =
              new OffsetAndMetadata(offset, FinishedOffsets.encode(offset, done, maxSpan));
          if (!om.equals(committed.get(tp))) {
            out.put(tp, om);
          }
        });
    return out;
  }

  synchronized void markCommitted(Map<TopicPartition, OffsetAndMetadata> offsets) {
    committed.putAll(offsets);
  }

  /** The offset this executor last committed for a partition, or 0 if it committed none. */
  synchronized long committedOffset(TopicPartition tp) {
    OffsetAndMetadata at = committed.get(tp);
    return at == null ? 0 : at.offset();
  }

  /**
   * The offsets of a partition finished here since its last commit (what the next owner must skip).
   */
  synchronized Set<Long> finishedSinceCommit(TopicPartition tp) {
    OffsetAndMetadata at = committed.get(tp);
    TreeSet<Long> done = finishedAbove.getOrDefault(tp, new TreeSet<>());
    return new TreeSet<>(at == null ? done : done.tailSet(at.offset()));
  }

  /**
   * Whether the offset was finished here: below this executor's last commit of the partition and
   * not taken since, or finished above it.
   */
  synchronized boolean finishedHere(TopicPartition tp, long offset) {
    OffsetAndMetadata at = committed.get(tp);
    TreeSet<Long> open = this.open.get(tp);
    TreeSet<Long> done = finishedAbove.get(tp);
    return at != null && offset < at.offset() && (open == null || !open.contains(offset))
        || done != null && done.contains(offset);
  }

  /** The offsets of a partition taken and not finished (runs still going, or waiting). */
  synchronized Set<Long> unfinished(TopicPartition tp) {
    return new TreeSet<>(open.getOrDefault(tp, new TreeSet<>()));
  }

  /** Forgets a partition this executor no longer owns; its unfinished work will be redelivered. */
  /**
   * Where the partition stands is not known until it is read again ({@link #readFrom}): nothing of
   * it is committed or noted finished meanwhile (what finished since the last commit may have been
   * voided); the copies to tell apart stay.
   */
  synchronized void standsUnknown(TopicPartition tp) {
    Set<Long> copies = readAgain.get(tp);
    forget(tp);
    if (copies != null) {
      readAgain.put(tp, copies);
    }
  }

  synchronized void forget(TopicPartition tp) {
    TreeSet<Long> offsets = open.remove(tp);
    int waitingToMove = deferred.getOrDefault(tp, 0);
    deferred.remove(tp);
    if (offsets != null) {
      int taken = offsets.size() - waitingToMove;
      inFlight -= taken;
      inFlightByTopic.merge(tp.topic(), -taken, Integer::sum);
    }
    Map<Long, Long> byOffset = weights.remove(tp);
    if (byOffset != null) {
      long bytes = byOffset.values().stream().mapToLong(Long::longValue).sum();
      inFlightBytesByTopic.merge(tp.topic(), -bytes, Long::sum);
    }
    finishedAbove.remove(tp);
    next.remove(tp);
    committed.remove(tp);
    readAgain.remove(tp);
  }
}
