package io.jobline.history;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.embedded.EmbeddedKafka;
import io.jobline.topic.KafkaSettings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The rebuild's look at a partition it has no commit for ({@link HistoryRebuild#readable}). */
class RebuildProbeTest {
  private static EmbeddedKafka kafka;
  private static final KafkaSettings SETTINGS = new KafkaSettings();

  @BeforeAll
  static void startKafka() throws Exception {
    kafka = EmbeddedKafka.start(Files.createTempDirectory("rebuild-probe-kafka"), 0, 0);
    SETTINGS.bootstrapServers = kafka.bootstrapServers();
  }

  @AfterAll
  static void stopKafka() {
    kafka.close();
  }

  @Test
  void recordsRemovedFromUnderTheProbeAreNotTakenForNothingToRead() throws Exception {
    // found by review: the probe's consumer jumped to the log's end when its position was gone,
    // read nothing, and the partition's records, deleted unread, counted as none
    TopicPartition tp = new TopicPartition("probe", 0);
    Map<String, Object> props = SETTINGS.clientProperties();
    try (Admin admin = Admin.create(props);
        KafkaProducer<byte[], byte[]> producer =
            new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      admin
          .createTopics(List.of(new NewTopic("probe", 1, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
      for (int i = 0; i < 5; i++) {
        producer
            .send(
                new ProducerRecord<>("probe", 0, null, ("r" + i).getBytes(StandardCharsets.UTF_8)))
            .get(10, TimeUnit.SECONDS);
      }
      assertThat(HistoryRebuild.readable(props, tp, 0, 5)).as("records to read").isTrue();

      admin
          .deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(5)))
          .all()
          .get(10, TimeUnit.SECONDS);

      assertThat(HistoryRebuild.readable(props, tp, 0, 5))
          .as("removed from under it: not nothing to read")
          .isTrue();
      assertThat(HistoryRebuild.readable(props, tp, 5, 5)).as("nothing left to read").isFalse();
    }
  }
}
