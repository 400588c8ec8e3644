package io.jobline.history;

import io.jobline.topic.KafkaSettings;
import io.jobline.topic.Topics;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Replays {@code jobline.requests} and {@code jobline.events} from the beginning through the same
 * topology into another run store (event-sourced history): same input, same records. Uses a fresh
 * Streams application id, and deletes its internal topics when done.
 */
public final class HistoryRebuild {
  private HistoryRebuild() {}

  /** Rebuilds into {@code target}; returns how many input records were replayed. */
  public static long rebuild(
      KafkaSettings kafka,
      HistorySettings settings,
      HistoryTopology.Sinks target,
      short replication,
      Duration timeout,
      Consumer<String> progress)
      throws Exception {
    String appId =
        settings.applicationId + "-rebuild-" + UUID.randomUUID().toString().substring(0, 8);
    Properties props = new Properties();
    props.putAll(kafka.clientProperties());
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 200);
    UnreadableRecords.configure(props);
    props.put(
        StreamsConfig.BUFFERED_RECORDS_PER_PARTITION_CONFIG, settings.bufferedRecordsPerPartition);
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) replication);
    props.put(
        StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("jobline-rebuild").toString());
    props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
    try (Admin admin = Admin.create(kafka.clientProperties())) {
      Map<TopicPartition, Long> ends =
          endOffsets(admin, List.of(Topics.REQUESTS.name(), Topics.EVENTS.name()));
      long total = ends.values().stream().mapToLong(Long::longValue).sum();
      KafkaStreams streams =
          new KafkaStreams(
              HistoryTopology.build(
                  settings,
                  target,
                  new HistoryMetrics(),
                  History.partitions(kafka, Topics.REQUESTS.name()),
                  History.partitions(kafka, Topics.EVENTS.name()),
                  false, // every run read is written before it stops: none is held back
                  () -> true), // and every statistic with the commit that covers it
              props);
      streams.start();
      long deadline = System.nanoTime() + timeout.toNanos();
      try {
        while (true) {
          Map<TopicPartition, OffsetAndMetadata> committed =
              admin
                  .listConsumerGroupOffsets(appId)
                  .partitionsToOffsetAndMetadata()
                  .get(10, TimeUnit.SECONDS);
          long done = 0;
          boolean caughtUp = true;
          for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            OffsetAndMetadata at = committed.get(end.getKey());
            long position = at == null ? 0 : at.offset();
            done += Math.min(position, end.getValue());
            caughtUp &= position >= end.getValue();
          }
          progress.accept("replayed " + done + " of " + total + " records");
          if (caughtUp && repartitionDrained(admin, appId, committed)) {
            break;
          }
          if (System.nanoTime() > deadline) {
            throw new RebuildTimeoutException(timeout, done, total);
          }
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(300));
        }
      } finally {
        streams.close(
            CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(30)));
        streams.cleanUp();
        List<String> internal =
            admin.listTopics().names().get(10, TimeUnit.SECONDS).stream()
                .filter(t -> t.startsWith(appId))
                .toList();
        admin.deleteTopics(internal).all().get(30, TimeUnit.SECONDS);
        admin.deleteConsumerGroups(List.of(appId)).all().get(30, TimeUnit.SECONDS);
      }
      return total;
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
    for (Map.Entry<TopicPartition, Long> end : endOffsets(admin, repartition).entrySet()) {
      OffsetAndMetadata at = committed.get(end.getKey());
      if (end.getValue() > 0 && (at == null || at.offset() < end.getValue())) {
        return false;
      }
    }
    return true;
  }

  private static Map<TopicPartition, Long> endOffsets(Admin admin, List<String> topics)
      throws Exception {
    Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
    admin
        .describeTopics(topics)
        .allTopicNames()
        .get(10, TimeUnit.SECONDS)
        .values()
        .forEach(
            d ->
                d.partitions()
                    .forEach(
                        p ->
                            specs.put(
                                new TopicPartition(d.name(), p.partition()), OffsetSpec.latest())));
    Map<TopicPartition, Long> out = new HashMap<>();
    for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> e :
        admin.listOffsets(specs).all().get(10, TimeUnit.SECONDS).entrySet()) {
      out.put(e.getKey(), e.getValue().offset());
    }
    return out;
  }
}
