package io.jobline.health;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * Whether a consumer group keeps up: for each partition of its topics, records waiting (up to the
 * last stable offset, so an open transaction is not counted) while its committed offset has not
 * moved for longer than {@code stallAfter}. Each look is compared with the earlier ones, so call
 * {@link #look()} regularly.
 */
public final class ConsumerProgress {
  private final Admin admin;
  private final String group;
  private final List<String> topics;
  private final Duration stallAfter;
  private final Clock clock;
  private final Map<TopicPartition, Long> lastOffset = new HashMap<>();
  private final Map<TopicPartition, Instant> movedAt = new HashMap<>();
  private volatile Look lastLook = new Look(0, List.of());

  public ConsumerProgress(
      Admin admin, String group, List<String> topics, Duration stallAfter, Clock clock) {
    this.admin = admin;
    this.group = group;
    this.topics = List.copyOf(topics);
    this.stallAfter = stallAfter;
    this.clock = clock;
  }

  /**
   * Partitions with records waiting whose committed offset has not moved for {@code stallAfter}.
   */
  public record Look(long lag, List<String> stalled) {
    public boolean healthy() {
      return stalled.isEmpty();
    }
  }

  /** The result of the last {@link #look()}. */
  public Look latest() {
    return lastLook;
  }

  public synchronized Look look() throws Exception {
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
    Set<String> existing = admin.listTopics().names().get(5, TimeUnit.SECONDS);
    List<String> present =
        topics.stream().filter(existing::contains).toList(); // an internal topic may not be used
    admin
        .describeTopics(present)
        .allTopicNames()
        .get(5, TimeUnit.SECONDS)
        .values()
        .forEach(
            d ->
                d.partitions()
                    .forEach(
                        p -> {
                          TopicPartition tp = new TopicPartition(d.name(), p.partition());
                          latest.put(tp, OffsetSpec.latest());
                          earliest.put(tp, OffsetSpec.earliest());
                        }));
    ListOffsetsOptions committedOnly = new ListOffsetsOptions(IsolationLevel.READ_COMMITTED);
    var ends = admin.listOffsets(latest, committedOnly).all().get(5, TimeUnit.SECONDS);
    var starts = admin.listOffsets(earliest, committedOnly).all().get(5, TimeUnit.SECONDS);
    Map<TopicPartition, OffsetAndMetadata> committed =
        admin
            .listConsumerGroupOffsets(group)
            .partitionsToOffsetAndMetadata()
            .get(5, TimeUnit.SECONDS);
    Instant now = clock.instant();
    long lag = 0;
    List<String> stalled = new ArrayList<>();
    for (TopicPartition tp : latest.keySet()) {
      OffsetAndMetadata at = committed.get(tp);
      long position = at != null ? at.offset() : starts.get(tp).offset();
      long waiting = Math.max(0, ends.get(tp).offset() - position);
      lag += waiting;
      Long before = lastOffset.put(tp, position);
      if (before == null || before != position || waiting == 0) {
        movedAt.put(tp, now);
      } else if (Duration.between(movedAt.get(tp), now).compareTo(stallAfter) > 0) {
        stalled.add(
            tp
                + " ("
                + waiting
                + " waiting, stuck at offset "
                + position
                + " for "
                + Duration.between(movedAt.get(tp), now).toSeconds()
                + " s)");
      }
    }
    lastLook = new Look(lag, stalled);
    return lastLook;
  }
}
