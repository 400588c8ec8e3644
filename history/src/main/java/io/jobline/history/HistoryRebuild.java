package io.jobline.history;

import io.jobline.topic.KafkaSettings;
import io.jobline.topic.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;

/**
 * Replays {@code jobline.requests} and {@code jobline.events} from the beginning through the same
 * topology into another run store (event-sourced history): same input, same records. Uses a fresh
 * Streams application id and a temporary state folder, and deletes both when done.
 */
public final class HistoryRebuild {

  /** A Streams app in these states replays nothing more. */
  private static final Set<KafkaStreams.State> STOPPED =
      EnumSet.of(
          KafkaStreams.State.PENDING_ERROR,
          KafkaStreams.State.ERROR,
          KafkaStreams.State.PENDING_SHUTDOWN,
          KafkaStreams.State.NOT_RUNNING);

  private HistoryRebuild() {}

  /**
   * What a rebuild did: the records it replayed, those retention (or a deletion) had taken before
   * it read them, and those it set aside (counted only: the live history set them aside already).
   */
  public record Outcome(long replayed, long goneToRetention, long setAside) {}

  /** Rebuilds into {@code target}, with its state in a folder of the temporary folder. */
  public static Outcome rebuild(
      KafkaSettings kafka,
      HistorySettings settings,
      HistoryTopology.Sinks target,
      short replication,
      Duration timeout,
      Consumer<String> progress)
      throws Exception {
    return rebuild(
        kafka,
        settings,
        target,
        replication,
        timeout,
        Path.of(System.getProperty("java.io.tmpdir")),
        progress);
  }

  /**
   * Rebuilds into {@code target}, with its state in a new folder of {@code scratch}, deleted when
   * done. What it sets aside goes to no dead-letter topic, {@code target}'s included.
   *
   * @throws RebuildTimeoutException when it did not catch up within {@code timeout}
   * @throws RebuildFailedException when its Streams app failed
   */
  public static Outcome rebuild(
      KafkaSettings kafka,
      HistorySettings settings,
      HistoryTopology.Sinks target,
      short replication,
      Duration timeout,
      Path scratch,
      Consumer<String> progress)
      throws Exception {
    String appId =
        settings.applicationId + "-rebuild-" + UUID.randomUUID().toString().substring(0, 8);
    LongAdder setAside = new LongAdder();
    Path stateDir = Files.createTempDirectory(scratch, "jobline-rebuild");
    AtomicReference<Throwable> failed = new AtomicReference<>();
    Admin admin = null;
    KafkaStreams streams = null;
    Outcome outcome;
    try {
      admin = Admin.create(kafka.clientProperties());
      List<String> topics = List.of(Topics.REQUESTS.name(), Topics.EVENTS.name());
      Map<TopicPartition, Long> starts = offsets(admin, topics, OffsetSpec.earliest());
      Map<TopicPartition, Long> ends = offsets(admin, topics, OffsetSpec.latest());
      streams =
          new KafkaStreams(
              topology(
                  settings,
                  target,
                  History.partitions(kafka, Topics.REQUESTS.name()),
                  History.partitions(kafka, Topics.EVENTS.name()),
                  setAside),
              streamsConfig(kafka, settings, appId, replication, stateDir, setAside));
      // a failure stops the rebuild at once, with its cause (found by review: it waited out the
      // whole timeout, then reported a timeout)
      streams.setUncaughtExceptionHandler(
          e -> {
            failed.compareAndSet(null, e);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
          });
      progress.accept("replayed 0 of " + total(starts, ends) + " records");
      streams.start();
      long replayed =
          replay(
              admin,
              kafka.clientProperties(),
              streams,
              appId,
              starts,
              ends,
              failed,
              timeout,
              progress);
      outcome =
          new Outcome(
              replayed, starts.values().stream().mapToLong(Long::longValue).sum(), setAside.sum());
    } catch (Exception e) {
      // the clean-up's failures do not hide why the rebuild failed (found by review)
      cleanUp(admin, streams, appId, stateDir).forEach(e::addSuppressed);
      throw e;
    }
    List<Exception> left = cleanUp(admin, streams, appId, stateDir);
    if (!left.isEmpty()) {
      left.subList(1, left.size()).forEach(left.get(0)::addSuppressed);
      throw left.get(0);
    }
    return outcome;
  }

  /**
   * The live topology, writing into {@code target}, with what it sets aside counted in {@code
   * setAside} and sent nowhere (found by review: it went to the live dead-letter topic, and every
   * rebuild added each one to the live dead letters again, under a new id).
   */
  static Topology topology(
      HistorySettings settings,
      HistoryTopology.Sinks target,
      int requestPartitions,
      int eventPartitions,
      LongAdder setAside) {
    return HistoryTopology.build(
        settings,
        new HistoryTopology.Sinks(
            target.runs(),
            target.logs(),
            target.stats(),
            target.audit(),
            records -> setAside.add(records.size())),
        new HistoryMetrics(),
        requestPartitions,
        eventPartitions,
        false, // every run read is written before it stops: none is held back
        () -> true, // and every statistic with the commit that covers it
        setAside);
  }

  /** The rebuild's Streams config: live history's memory bounds, its own id and state folder. */
  static Properties streamsConfig(
      KafkaSettings kafka,
      HistorySettings settings,
      String appId,
      short replication,
      Path stateDir,
      LongAdder setAside) {
    Properties props = new Properties();
    props.putAll(kafka.clientProperties());
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 200);
    UnreadableRecords.configureCounting(props, setAside);
    // (found by review: a rebuild's state stores were unbounded, and it folded events before
    // their requests)
    History.boundMemoryAndOrder(props, settings);
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) replication);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
    return props;
  }

  /**
   * Waits until every partition is read to where it ended when the rebuild began; returns how many
   * records that was. A partition is read from its log start: one whose records all aged out or
   * were deleted is read to its end with nothing to read, and Streams commits nothing for it (found
   * by review: counted from 0, it was never caught up and every rebuild timed out).
   */
  private static long replay(
      Admin admin,
      Map<String, Object> clientProps,
      KafkaStreams streams,
      String appId,
      Map<TopicPartition, Long> starts,
      Map<TopicPartition, Long> ends,
      AtomicReference<Throwable> failed,
      Duration timeout,
      Consumer<String> progress)
      throws Exception {
    long total = total(starts, ends);
    // what Streams had committed by the pass before: every record below it was read and written
    Map<TopicPartition, Long> read = new HashMap<>(starts);
    long deadline = System.nanoTime() + timeout.toNanos();
    Set<TopicPartition> nothingToRead = new HashSet<>();
    Set<TopicPartition> probed = new HashSet<>();
    while (true) {
      stopIfFailed(streams, failed);
      // the commits first, then the log starts, held against the commits of the pass before: a
      // commit listed after a start moved may follow Streams starting over from the new start,
      // and then vouches for nothing below it (found by review). Looked for on every pass (found
      // by CI: a partition probed as readable before its records were deleted was then never read
      // to its end, and the rebuild timed out instead of saying why), the last one included
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin
              .listConsumerGroupOffsets(appId)
              .partitionsToOffsetAndMetadata()
              .get(10, TimeUnit.SECONDS);
      failIfRemovedUnread(admin, read);
      committed.forEach(
          (tp, at) -> {
            if (at != null && read.containsKey(tp)) {
              read.merge(tp, at.offset(), Math::max);
            }
          });
      long done = 0;
      boolean caughtUp = true;
      List<TopicPartition> uncommitted = new ArrayList<>();
      boolean othersCaughtUp = true;
      for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
        TopicPartition tp = end.getKey();
        long start = starts.getOrDefault(tp, 0L);
        OffsetAndMetadata at = committed.get(tp);
        long position =
            nothingToRead.contains(tp)
                ? end.getValue()
                : Math.max(at == null ? 0 : at.offset(), start);
        done += Math.max(0, Math.min(position, end.getValue()) - start);
        caughtUp &= position >= end.getValue();
        if (position < end.getValue()) {
          if (at == null) {
            uncommitted.add(tp);
          } else {
            othersCaughtUp = false;
          }
        }
      }
      // a partition Streams committed nothing for while every other is read may hold nothing it
      // reads: only transaction markers, or records of transactions that were aborted (found by
      // review: it was never caught up, and the rebuild timed out); looked at once each
      if (othersCaughtUp) {
        for (TopicPartition tp : uncommitted) {
          if (probed.add(tp)
              && !readable(clientProps, tp, starts.getOrDefault(tp, 0L), ends.get(tp))) {
            nothingToRead.add(tp);
            read.put(tp, ends.get(tp)); // none of it is lost when removed
          }
        }
      }
      progress.accept("replayed " + done + " of " + total + " records");
      if (caughtUp && repartitionDrained(admin, appId, committed)) {
        stopIfFailed(streams, failed);
        return total;
      }
      if (System.nanoTime() > deadline) {
        throw new RebuildTimeoutException(timeout, done, total);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(300));
    }
  }

  /**
   * Fails the rebuild when a log start moved past what Streams had read and committed when last
   * looked at ({@code read}; where it began, before): retention (or a deletion) removed records the
   * rebuild may not have read, and Streams starts over from the new start when its position is
   * gone, so the rebuilt database may lack some (found by review: it ended as if complete). Records
   * removed after they were read are no loss: a long rebuild goes on while retention deletes what
   * it read first.
   */
  private static void failIfRemovedUnread(Admin admin, Map<TopicPartition, Long> read)
      throws Exception {
    // (the partitions the rebuild began with: no describe of the topics on every pass)
    Map<TopicPartition, Long> now = offsets(admin, read.keySet(), OffsetSpec.earliest());
    List<String> moved = new ArrayList<>();
    read.forEach(
        (tp, at) -> {
          long start = now.getOrDefault(tp, at);
          if (start > at) {
            moved.add(tp + " from before " + at + " to " + start);
          }
        });
    if (!moved.isEmpty()) {
      throw new RebuildFailedException(
          "retention (or a deletion) removed records before the rebuild read them, so the rebuilt"
              + " database may lack some (the log start moved past what it had read: "
              + String.join(", ", moved)
              + "; keep the records longer)",
          null);
    }
  }

  private static long total(Map<TopicPartition, Long> starts, Map<TopicPartition, Long> ends) {
    long total = 0;
    for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
      total += Math.max(0, end.getValue() - starts.getOrDefault(end.getKey(), 0L));
    }
    return total;
  }

  /**
   * Whether {@code tp} holds a record a read-committed reader gets between {@code from} and {@code
   * to}; true when that cannot be told within 30 s, or when records were removed from under it (the
   * rebuild then waits for Streams to commit, and looks at the log starts).
   */
  static boolean readable(Map<String, Object> clientProps, TopicPartition tp, long from, long to) {
    Map<String, Object> props = new HashMap<>(clientProps);
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(
        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
        IsolationLevel.READ_COMMITTED.toString().toLowerCase(Locale.ROOT));
    // a position removed under it is an error, not a jump to the log's end that reads as nothing
    // to read (found by review: records deleted unread were then taken for none)
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.assign(List.of(tp));
      consumer.seek(tp, from);
      while (consumer.position(tp) < to) {
        if (System.nanoTime() > deadline) {
          return true;
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.offset() < to) {
            return true;
          }
        }
      }
      return false;
    } catch (OffsetOutOfRangeException e) {
      return true; // (removed as it read: the wait's next look at the log starts says so)
    }
  }

  private static void stopIfFailed(KafkaStreams streams, AtomicReference<Throwable> failed) {
    Throwable e = failed.get();
    if (e != null) {
      Throwable root = rootCause(e);
      throw new RebuildFailedException(String.valueOf(root), root);
    }
    KafkaStreams.State state = streams.state();
    if (STOPPED.contains(state)) {
      throw new RebuildFailedException("its Kafka Streams app is " + state, null);
    }
  }

  private static Throwable rootCause(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t;
  }

  /**
   * Closes the app and deletes its internal topics, consumer group and state folder, each whatever
   * the others did; returns what failed. A group never created (nothing was committed) is no
   * failure.
   */
  private static List<Exception> cleanUp(
      Admin admin, KafkaStreams streams, String appId, Path stateDir) {
    List<Exception> failures = new ArrayList<>();
    if (streams != null) {
      try {
        streams.close(
            CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(30)));
        streams.cleanUp();
      } catch (RuntimeException e) {
        failures.add(e);
      }
    }
    if (admin != null) {
      try {
        List<String> internal =
            admin.listTopics().names().get(10, TimeUnit.SECONDS).stream()
                .filter(t -> t.startsWith(appId))
                .toList();
        admin.deleteTopics(internal).all().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        failures.add(e);
      }
      try {
        admin.deleteConsumerGroups(List.of(appId)).all().get(30, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof GroupIdNotFoundException)) {
          failures.add(e);
        }
      } catch (Exception e) {
        failures.add(e);
      }
      try {
        admin.close(Duration.ofSeconds(10));
      } catch (RuntimeException e) {
        failures.add(e);
      }
    }
    // (found by review: every rebuild left its state folder behind)
    try {
      deleteRecursively(stateDir);
    } catch (IOException | RuntimeException e) {
      failures.add(e);
    }
    return failures;
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private static boolean repartitionDrained(
      Admin admin, String appId, Map<TopicPartition, OffsetAndMetadata> committed)
      throws Exception {
    List<String> repartition =
        admin.listTopics().names().get(10, TimeUnit.SECONDS).stream()
            .filter(t -> t.startsWith(appId) && t.endsWith("-repartition"))
            .toList();
    if (repartition.isEmpty()) {
      return true; // requests and events are read side by side: nothing is re-keyed through a topic
    }
    for (Map.Entry<TopicPartition, Long> end :
        offsets(admin, repartition, OffsetSpec.latest()).entrySet()) {
      OffsetAndMetadata at = committed.get(end.getKey());
      if (end.getValue() > 0 && (at == null || at.offset() < end.getValue())) {
        return false;
      }
    }
    return true;
  }

  private static Map<TopicPartition, Long> offsets(
      Admin admin, List<String> topics, OffsetSpec spec) throws Exception {
    List<TopicPartition> partitions = new ArrayList<>();
    admin
        .describeTopics(topics)
        .allTopicNames()
        .get(10, TimeUnit.SECONDS)
        .values()
        .forEach(
            d ->
                d.partitions()
                    .forEach(p -> partitions.add(new TopicPartition(d.name(), p.partition()))));
    return offsets(admin, partitions, spec);
  }

  private static Map<TopicPartition, Long> offsets(
      Admin admin, Collection<TopicPartition> partitions, OffsetSpec spec) throws Exception {
    Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
    partitions.forEach(tp -> specs.put(tp, spec));
    Map<TopicPartition, Long> out = new HashMap<>();
    for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> e :
        admin.listOffsets(specs).all().get(10, TimeUnit.SECONDS).entrySet()) {
      out.put(e.getKey(), e.getValue().offset());
    }
    return out;
  }
}
