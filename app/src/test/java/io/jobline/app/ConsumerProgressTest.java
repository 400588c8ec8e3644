package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.health.ConsumerProgress;
import io.jobline.testkit.ShiftableClock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * A consumer group with records waiting whose committed offset stands still is seen as stalled, on
 * a real broker.
 */
class ConsumerProgressTest {
  @Test
  void aGroupIsStalledOnlyOnceItsOffsetStoodStillWithRecordsWaitingForLongerThanAllowed()
      throws Exception {
    Map<String, Object> props = SharedStandalone.get().config().kafka.clientProperties();
    String topic = "progress-" + UUID.randomUUID();
    String group = "progress-group-" + UUID.randomUUID();
    TopicPartition tp = new TopicPartition(topic, 0);
    ShiftableClock clock = new ShiftableClock();
    try (Admin admin = Admin.create(props);
        KafkaProducer<String, String> producer =
            new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
      admin
          .createTopics(List.of(new NewTopic(topic, 1, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
      for (int i = 0; i < 5; i++) {
        producer.send(new ProducerRecord<>(topic, "k", "v" + i)).get(30, TimeUnit.SECONDS);
      }
      admin
          .alterConsumerGroupOffsets(group, Map.of(tp, new OffsetAndMetadata(1)))
          .all()
          .get(30, TimeUnit.SECONDS);
      ConsumerProgress progress =
          new ConsumerProgress(admin, group, List.of(topic), Duration.ofSeconds(60), clock);

      assertThat(progress.look().lag()).isEqualTo(4);
      assertThat(progress.look().healthy()).isTrue();
      clock.shift(Duration.ofSeconds(61));
      ConsumerProgress.Look stalled = progress.look();
      assertThat(stalled.healthy()).isFalse();
      assertThat(stalled.stalled())
          .singleElement()
          .asString()
          .contains(topic + "-0")
          .contains("4 waiting");

      admin
          .alterConsumerGroupOffsets(group, Map.of(tp, new OffsetAndMetadata(3)))
          .all()
          .get(30, TimeUnit.SECONDS);
      assertThat(progress.look().healthy()).as("it moved").isTrue();
      admin
          .alterConsumerGroupOffsets(group, Map.of(tp, new OffsetAndMetadata(5)))
          .all()
          .get(30, TimeUnit.SECONDS);
      clock.shift(Duration.ofMinutes(10));
      assertThat(progress.look().healthy()).as("nothing waits").isTrue();
    }
  }
}
