package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class MoveQueueTest {
  private static final TopicPartition P0 = new TopicPartition("jobline.requests", 0);
  private static final TopicPartition P1 = new TopicPartition("jobline.requests", 1);

  private static ConsumerRecord<byte[], byte[]> record(TopicPartition tp, long offset, int size) {
    return new ConsumerRecord<>(
        tp.topic(), tp.partition(), offset, "big".getBytes(), new byte[size]);
  }

  @Test
  void eachPartitionsRequestsMoveInTheOrderReadAndThePartitionsTakeTurns() {
    MoveQueue q = new MoveQueue(1 << 20);
    for (long o = 0; o < 3; o++) {
      q.add(P0, "big", record(P0, o, 10));
    }
    q.add(P1, "other-big", record(P1, 7, 10));
    List<String> order = new ArrayList<>();
    for (MoveQueue.Waiting w = q.next(); w != null; w = q.next()) {
      order.add(w.record().partition() + "@" + w.record().offset());
    }
    assertThat(order).containsExactly("0@0", "1@7", "0@1", "0@2");
    assertThat(q.isEmpty()).isTrue();
    assertThat(q.partitions()).isEmpty();
  }

  @Test
  void aTenantWithRequestsWaitingHereIsHeldUntilTheLastHasMoved() {
    MoveQueue q = new MoveQueue(1 << 20);
    q.add(P0, "big", record(P0, 1, 10));
    q.add(P0, "big", record(P0, 2, 10));
    assertThat(q.holds(P0, "big")).isTrue();
    assertThat(q.holds(P1, "big")).as("another partition").isFalse();
    assertThat(q.holds(P0, "small")).isFalse();
    q.next();
    assertThat(q.holds(P0, "big")).isTrue();
    q.next();
    assertThat(q.holds(P0, "big")).isFalse();
  }

  @Test
  void itIsFullAtItsBytesAndDroppingAPartitionFreesThem() {
    MoveQueue q = new MoveQueue(3 * (MoveQueue.RECORD_OVERHEAD + 3 + 100));
    q.add(P0, "big", record(P0, 1, 100));
    q.add(P1, "big", record(P1, 1, 100));
    assertThat(q.isFull()).isFalse();
    q.add(P0, "big", record(P0, 2, 100));
    assertThat(q.isFull()).isTrue();
    assertThat(q.partitions()).containsExactlyInAnyOrder(P0, P1);
    q.drop(Set.of(P0));
    assertThat(q.isFull()).isFalse();
    assertThat(q.size()).isEqualTo(1);
    assertThat(q.holds(P0, "big")).isFalse();
    assertThat(q.next().record().partition()).isEqualTo(1);
    assertThat(q.next()).isNull();
  }
}
