package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.topic.FinishedOffsets;
import io.jobline.topic.Topics;
import java.time.Duration;
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
}
