package io.jobline.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jobline.store.InMemoryDeadLetterStore;
import io.jobline.topic.DeadLetter;
import io.jobline.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The recorder of dead letters goes on after Kafka fails it. */
class DeadLetterRecorderTest {
  private static final TopicPartition TP = new TopicPartition(Topics.REQUESTS_DLQ.name(), 0);

  private static ConsumerRecord<byte[], byte[]> letter(long offset) {
    return new ConsumerRecord<>(
        TP.topic(),
        TP.partition(),
        offset,
        "t1".getBytes(StandardCharsets.UTF_8),
        ("{\"run_id\":\"r" + offset + "\",\"job_name\":\"noop\"}")
            .getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aFailedPollDoesNotStopTheRecording() throws Exception {
    // found by review: the first failure of a poll or a commit ended the recorder's thread, and
    // job_dead_letters stopped following the topics until the process started again
    MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    InMemoryDeadLetterStore store = new InMemoryDeadLetterStore();
    consumer.schedulePollTask(
        () -> {
          consumer.rebalance(List.of(TP));
          consumer.updateBeginningOffsets(Map.of(TP, 0L));
          consumer.addRecord(letter(0));
        });
    consumer.schedulePollTask(() -> consumer.setPollException(new KafkaException("broker gone")));
    consumer.schedulePollTask(() -> consumer.addRecord(letter(1)));
    DeadLetterRecorder recorder = new DeadLetterRecorder(() -> consumer, store);
    recorder.start();
    try {
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  store.find(DeadLetter.idOf(TP.topic(), 0, 1)).isPresent()
                      && store.find(DeadLetter.idOf(TP.topic(), 0, 0)).isPresent());
      assertThat(store.find(DeadLetter.idOf(TP.topic(), 0, 1)).orElseThrow().runId())
          .isEqualTo("r1");
    } finally {
      recorder.stop();
    }
  }
}
