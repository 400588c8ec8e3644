package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.topic.FinishedOffsets;
import io.jobline.topic.Topics;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import io.jobline.wire.Trigger;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * A partition whose committed offset cannot be read (the brokers unreachable) waits unread, and
 * nothing of it is committed or handed over as finished, until it can be read; the poll loop goes
 * on. (Found by review: Kafka's timeout was thrown out of the poll loop, which stopped for good
 * after an outage of a minute, and every run waiting stayed queued.)
 */
class UnknownPositionTest {
  private static final TopicPartition TP = new TopicPartition(Topics.REQUESTS.name(), 2);
  private static final Instant T0 = Instant.parse("2026-12-06T12:00:00Z");

  private final Map<TopicPartition, OwnedPartition> owned = new HashMap<>();
  private final OffsetTracker offsets = new OffsetTracker();
  private final Brokers brokers = new Brokers();
  private final LaneConsumer consumer =
      new LaneConsumer(new ExecutorSettings(), owned, offsets, brokers);

  /** A consumer whose brokers can be down: its reads of the committed offsets time out then. */
  private static final class Brokers extends MockConsumer<byte[], byte[]> {
    volatile boolean down = true;
    int asked;

    Brokers() {
      super("earliest");
    }

    @Override
    public synchronized Map<TopicPartition, OffsetAndMetadata> committed(
        Set<TopicPartition> partitions, Duration timeout) {
      asked++;
      if (down) {
        throw new TimeoutException("Timeout of " + timeout.toMillis() + "ms expired");
      }
      // committed at 7; 9 finished above it
      return Map.of(TP, new OffsetAndMetadata(7, FinishedOffsets.encode(7, Set.of(9L))));
    }
  }

  @Test
  void aPartitionAssignedWhileTheBrokersAreDownWaitsUnreadUntilItsCommitCanBeRead() {
    brokers.assign(List.of(TP));
    Rebalance rebalance = new Rebalance("exec-a", consumer, owned, offsets, null, null, null, null);

    rebalance.onPartitionsAssigned(List.of(TP)); // (threw out of the poll before)

    OwnedPartition o = owned.get(TP);
    assertThat(o.rewindOwed).isTrue();
    o.leased = true; // its lease is taken
    consumer.readOnlyLeased();
    consumer.rewindOwed(tp -> Set.of());
    assertThat(brokers.paused()).as("still not known where it stands").containsExactly(TP);

    brokers.down = false;
    consumer.rewindOwed(tp -> Set.of());

    assertThat(o.rewindOwed).isFalse();
    assertThat(o.skip).as("what the commit says finished").containsExactly(9L);
    assertThat(brokers.position(TP)).isEqualTo(7);
    assertThat(brokers.paused()).isEmpty();
    int asked = brokers.asked;
    consumer.rewindOwed(tp -> Set.of());
    assertThat(brokers.asked).as("nothing more owed").isEqualTo(asked);
  }

  @Test
  void aPartitionToBeReadAgainWhileTheBrokersAreDownCommitsAndHandsOverNothingItDidSince() {
    brokers.assign(List.of(TP));
    OwnedPartition o = new OwnedPartition(TP);
    o.leased = true;
    owned.put(TP, o);
    offsets.markCommitted(Map.of(TP, new OffsetAndMetadata(7)));
    offsets.taken(TP, 7);
    offsets.taken(TP, 8);
    offsets.finished(TP, 7); // in the transaction just voided: its end never counted
    offsets.finished(TP, 8);

    consumer.rewind(Set.of(TP), tp -> Set.of()); // (threw out of the poll loop before)

    assertThat(o.rewindOwed).isTrue();
    assertThat(offsets.committable(owned.keySet())).as("nothing of it is committed").isEmpty();
    assertThat(offsets.finishedSinceCommit(TP)).as("nor handed over as finished").isEmpty();
    assertThat(brokers.paused()).containsExactly(TP);

    brokers.down = false;
    consumer.rewindOwed(tp -> Set.of());

    assertThat(brokers.position(TP)).as("read again from its last commit").isEqualTo(7);
    assertThat(brokers.paused()).isEmpty();
    assertThat(o.rewindOwed).isFalse();
  }

  @Test
  void theEndOfARunOfAPartitionToBeReadAgainWaitsUntilItsOffsetCanGoWithIt() {
    // found by review: sent alone, the end counted while its offset was committed nowhere, and the
    // next owner of the partition ran the attempt again after it completed
    brokers.assign(List.of(TP));
    OwnedPartition o = new OwnedPartition(TP);
    o.leased = true;
    owned.put(TP, o);
    consumer.rewind(Set.of(TP), tp -> Set.of()); // (the brokers are down: it owes one)
    EventPublisher events = new EventPublisher();
    EndMark end = endPublished(events);

    assertThat(events.drain(new Fences(), voided -> {}, consumer::owes)).isEmpty();

    brokers.down = false;
    consumer.rewindOwed(tp -> Set.of(8L));
    assertThat(events.drain(new Fences(), voided -> {}, consumer::owes))
        .extracting(EventPublisher.Outgoing::end)
        .containsExactly(end);
  }

  @Test
  void theEndsWaitingOnAPartitionThatGoesElsewhereNeverGoOut() {
    EventPublisher events = new EventPublisher();
    EndMark end = endPublished(events);

    assertThat(events.takeEnds(new TopicPartition(Topics.REQUESTS.name(), 5))).isEmpty();
    assertThat(events.takeEnds(TP)).containsExactly(end);
    assertThat(events.isEmpty()).isTrue();
  }

  /** Publishes the end of run r1, whose request is at offset 8 of {@link #TP}. */
  private static EndMark endPublished(EventPublisher events) {
    JobRequest request =
        JobRequest.of(
            RunId.of("r1"), "quick", Json.object(), "t1", null, null, Trigger.manual(), T0, "t");
    EndMark end = new EndMark(new Pending(null, request, TP, 8, () -> {}, null, null, 1, 0));
    events.publishEnd(
        new RunEvent(RunId.of("r1"), 2, EventType.COMPLETED, T0, "exec-a", 1, 1, null),
        null,
        -1,
        () -> {},
        end);
    return end;
  }
}
