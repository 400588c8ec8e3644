package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.internals.AutoOffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.junit.jupiter.api.Test;

class ThroughWakeupsTest {
  @Test
  void aWakeUpMeantForThePollDoesNotCutACommittedReadShort() {
    AtomicInteger calls = new AtomicInteger();
    Map<TopicPartition, OffsetAndMetadata> read =
        ThroughWakeups.call(
            () -> {
              if (calls.incrementAndGet() == 1) {
                throw new WakeupException(); // what consumer.committed() throws when wakeup() came
                // first
              }
              return Map.of(new TopicPartition("jobline.requests", 0), new OffsetAndMetadata(42));
            });
    assertThat(read)
        .containsEntry(new TopicPartition("jobline.requests", 0), new OffsetAndMetadata(42));
    assertThat(calls).hasValue(2);
  }

  @Test
  void aRebalanceCallbackThatReadsCommittedOffsetsCompletesAfterAWakeUp() {
    // Kafka's own mock consumer throws the wake-up from the next blocking call, as the real one
    // does
    MockConsumer<byte[], byte[]> consumer =
        new MockConsumer<>(AutoOffsetResetStrategy.EARLIEST.name());
    TopicPartition tp = new TopicPartition("jobline.requests", 0);
    consumer.assign(List.of(tp));
    consumer.commitSync(Map.of(tp, new OffsetAndMetadata(7)));
    consumer.wakeup();
    Map<TopicPartition, OffsetAndMetadata> read =
        ThroughWakeups.call(
            () -> {
              consumer.poll(Duration.ZERO); // throws once: the wake-up is consumed
              return consumer.committed(Set.of(tp));
            });
    assertThat(read.get(tp).offset()).isEqualTo(7);
  }
}
