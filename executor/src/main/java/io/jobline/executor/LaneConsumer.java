package io.jobline.executor;

import io.jobline.topic.FinishedOffsets;
import io.jobline.topic.KafkaSettings;
import io.jobline.topic.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executor's consumer of the request lanes (poll thread only): which partitions it reads now
 * (only those leased, none of a lane with too much in flight), and reading partitions again from
 * their last commit.
 */
final class LaneConsumer {
  private static final Logger LOG = LoggerFactory.getLogger(LaneConsumer.class);

  /**
   * How long one read of the committed offsets waits for the brokers; if it does not come, the
   * partitions wait unread and it is tried again on the next loop. (Kafka's own 60 s timeout threw
   * out of the poll loop, which stopped for good after an outage of a minute: found by review.)
   */
  static final Duration COMMITTED_WITHIN = Duration.ofSeconds(5);

  /** Room left in the commit's metadata for the offsets of one more poll. */
  private static final int SPAN_ROOM = 2 * 1000;

  private final ExecutorSettings settings;
  private final Map<TopicPartition, OwnedPartition> owned;
  private final OffsetTracker offsets;
  private final Consumer<byte[], byte[]> consumer;

  /** Which lanes or partitions are not read now: too much in flight. */
  private boolean full;

  private boolean overflowFull;
  private Set<TopicPartition> spanFull = Set.of();

  LaneConsumer(
      KafkaSettings kafka,
      ExecutorSettings settings,
      String executorId,
      Map<TopicPartition, OwnedPartition> owned,
      OffsetTracker offsets) {
    this(
        settings,
        owned,
        offsets,
        new KafkaConsumer<>(
            properties(kafka, settings, executorId),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer()));
  }

  /** Over {@code consumer} (tests). */
  LaneConsumer(
      ExecutorSettings settings,
      Map<TopicPartition, OwnedPartition> owned,
      OffsetTracker offsets,
      Consumer<byte[], byte[]> consumer) {
    this.settings = settings;
    this.owned = owned;
    this.offsets = offsets;
    this.consumer = consumer;
  }

  private static Map<String, Object> properties(
      KafkaSettings kafka, ExecutorSettings settings, String executorId) {
    Map<String, Object> props = kafka.clientProperties();
    props.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // scheduled fires are handed over ahead in a transaction and must not run before it commits
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1000);
    // a fetch waits up to 10 ms for 16 KiB of requests rather than returning each small batch at
    // once: far fewer fetches at a steady rate, for at most 10 ms more dispatch latency
    props.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 16 * 1024);
    props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10);
    if (settings.overflowAfter > 0) {
      // one partition's backlog (a tenant's burst being read past) comes in slices, so the records
      // of the other partitions come between them (polls of 5,000 records and 2 MiB slices were
      // tried: the other partitions' tenants waited longer, p99 1.0-1.3 s against 0.5 s)
      props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 256 * 1024);
    }
    // a joining or leaving executor moves only the partitions that change hands; the rest keep
    // running, and each executor holds an even share of each lane (the cooperative-sticky assignor
    // is the fallback while executors of an older version are still in the group)
    props.put(
        ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
        List.of(LaneAssignor.class.getName(), CooperativeStickyAssignor.class.getName()));
    props.put(
        ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) settings.sessionTimeout.toMilliseconds());
    props.put(
        ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG,
        (int) Math.max(500, settings.sessionTimeout.toMilliseconds() / 4));
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, executorId);
    return props;
  }

  int partitionsFor(String topic) {
    return consumer.partitionsFor(topic).size();
  }

  /** Subscribes to the main lane, and to the overflow lane when it is on. */
  void subscribe(ConsumerRebalanceListener listener) {
    consumer.subscribe(
        settings.overflowAfter > 0
            ? List.of(Topics.REQUESTS.name(), Topics.REQUESTS_OVERFLOW.name())
            : List.of(Topics.REQUESTS.name()),
        listener);
  }

  ConsumerRecords<byte[], byte[]> poll(Duration wait) {
    return consumer.poll(wait);
  }

  ConsumerGroupMetadata groupMetadata() {
    return consumer.groupMetadata();
  }

  /** The committed offsets of {@code partitions} (through a wake-up meant for the poll). */
  Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions) {
    return ThroughWakeups.call(() -> consumer.committed(partitions, COMMITTED_WITHIN));
  }

  void pause(Collection<TopicPartition> partitions) {
    consumer.pause(partitions);
  }

  /**
   * Whether a main-lane partition read now still has at least {@code records} behind its position
   * (as of its last fetch): reading has not caught up.
   */
  boolean behind(long records) {
    Set<TopicPartition> paused = consumer.paused();
    for (TopicPartition tp : consumer.assignment()) {
      if (!Lanes.isOverflow(tp) && !paused.contains(tp)) {
        OptionalLong lag = consumer.currentLag(tp);
        if (lag.isPresent() && lag.getAsLong() >= records) {
          return true;
        }
      }
    }
    return false;
  }

  /** Makes a waiting poll return (any thread). */
  void wakeup() {
    consumer.wakeup();
  }

  void close(Duration leave) {
    consumer.close(leave);
  }

  /** Whether the main lane has as many requests (or bytes) in flight as it may: not read. */
  boolean mainLaneFull() {
    return full;
  }

  /**
   * Stops reading a lane while too much of it is in flight (by count or by bytes), a partition read
   * too far ahead (past what the commit's metadata can carry), or those with requests waiting to
   * move while the move queue is full.
   */
  void readOnlyWhatFits(MoveQueue toMove) {
    int spanLimit = offsets.maxSpan() - SPAN_ROOM;
    long maxBytes = settings.maxInFlightBytes.toBytes();
    boolean full =
        offsets.inFlight(Topics.REQUESTS.name()) >= settings.maxInFlight
            || offsets.inFlightBytes(Topics.REQUESTS.name()) >= maxBytes;
    boolean overflowFull =
        offsets.inFlight(Topics.REQUESTS_OVERFLOW.name()) >= settings.overflowInFlight
            || offsets.inFlightBytes(Topics.REQUESTS_OVERFLOW.name()) >= maxBytes / 4;
    Set<TopicPartition> spanFull = new HashSet<>();
    for (TopicPartition tp : owned.keySet()) {
      if (offsets.span(tp) >= spanLimit) {
        spanFull.add(tp);
      }
    }
    if (toMove.isFull()) {
      spanFull.addAll(toMove.partitions());
    }
    if (full != this.full || overflowFull != this.overflowFull || !spanFull.equals(this.spanFull)) {
      this.full = full;
      this.overflowFull = overflowFull;
      this.spanFull = spanFull;
      readOnlyLeased();
    }
  }

  /**
   * Reads only partitions whose lease this executor holds (their previous owner's note is known by
   * then), and none of a lane while too many of its requests are in flight.
   */
  void readOnlyLeased() {
    List<TopicPartition> read = new ArrayList<>();
    List<TopicPartition> hold = new ArrayList<>();
    for (TopicPartition tp : consumer.assignment()) {
      OwnedPartition o = owned.get(tp);
      boolean laneFull = (Lanes.isOverflow(tp) ? overflowFull : full) || spanFull.contains(tp);
      (!laneFull && o != null && o.leased && !o.rewindOwed ? read : hold).add(tp);
    }
    consumer.pause(hold);
    consumer.resume(read);
  }

  /** Those of {@code partitions} this executor still owns and reads. */
  Set<TopicPartition> owning(Collection<TopicPartition> partitions) {
    Set<TopicPartition> mine = new HashSet<>(partitions);
    mine.retainAll(owned.keySet());
    mine.retainAll(consumer.assignment());
    return mine;
  }

  /**
   * Reads {@code mine} (partitions owned and assigned) again from their last committed offsets,
   * skipping what the commit's metadata and the previous owner's note say finished.
   */
  void rewind(Set<TopicPartition> mine, Function<TopicPartition, Set<Long>> ranHere) {
    if (mine.isEmpty()) {
      return;
    }
    Map<TopicPartition, OffsetAndMetadata> committed;
    try {
      committed = committed(mine);
    } catch (RetriableException e) {
      owe(mine, e);
      return;
    }
    boolean owed = false;
    for (TopicPartition tp : mine) {
      OffsetAndMetadata at = committed.get(tp);
      // read again from there (from the log's start if nothing was committed)
      offsets.readFrom(tp, at == null ? 0 : at.offset(), ranHere.apply(tp));
      OwnedPartition o = owned.get(tp);
      owed |= o.rewindOwed;
      o.rewindOwed = false;
      o.skip.clear();
      o.skip.addAll(o.noteFinished);
      o.elsewhere.clear();
      o.elsewhere.putAll(o.noteRunning);
      if (at != null) {
        o.skip.addAll(FinishedOffsets.decode(at.offset(), at.metadata()));
        consumer.seek(tp, at);
      } else {
        consumer.seekToBeginning(List.of(tp));
      }
    }
    if (owed) {
      readOnlyLeased(); // (they wait no more)
    }
  }

  /**
   * Leaves {@code partitions} unread until they are read again from their last commit: where they
   * stand is not known (the committed offsets could not be read: the brokers unreachable, or a
   * transaction on them still open).
   */
  void owe(Set<TopicPartition> partitions, RuntimeException why) {
    LOG.warn(
        "Could not read the committed offsets of {}; they are not read until they can be: {}",
        partitions,
        why.toString());
    for (TopicPartition tp : partitions) {
      OwnedPartition o = owned.get(tp);
      if (o != null) {
        o.rewindOwed = true;
      }
      offsets.standsUnknown(tp);
    }
    consumer.pause(partitions);
  }

  /**
   * Whether {@code tp} waits to be read again from its last commit ({@link #owe}): the ends of its
   * runs wait too, as their offsets cannot be committed with them until then (sent alone, an end
   * would count while its request is read and run again by the next owner: found by review).
   */
  boolean owes(TopicPartition tp) {
    OwnedPartition o = owned.get(tp);
    return o != null && o.rewindOwed;
  }

  /** Reads again from their last commit the partitions owned that wait for it ({@link #owe}). */
  void rewindOwed(Function<TopicPartition, Set<Long>> ranHere) {
    Set<TopicPartition> owed = null; // (every loop asks: nothing made while none is owed)
    for (OwnedPartition o : owned.values()) {
      if (o.rewindOwed) {
        owed = owed == null ? new HashSet<>() : owed;
        owed.add(o.tp);
      }
    }
    if (owed != null) {
      rewind(owning(owed), ranHere);
    }
  }
}
