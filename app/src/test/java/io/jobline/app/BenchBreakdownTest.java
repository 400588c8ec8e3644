package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The bench tells the records producers sent from the offsets they took: each transaction that
 * commits takes one more offset, its marker, in each partition it wrote to. On the shared broker.
 */
class BenchBreakdownTest {
  @Test
  void recordsProducedLeaveOutTheTransactionMarkersThatOffsetsCount() throws Exception {
    Standalone standalone = SharedStandalone.get();
    String topic = "bench-breakdown-" + UUID.randomUUID();
    Map<String, Object> props = new HashMap<>(standalone.config().kafka.clientProperties());
    try (Admin admin = Admin.create(props)) {
      admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
      StoreWrites writes = standalone.application().storeWrites();
      BenchBreakdown before = BenchBreakdown.before(admin, writes);

      props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, topic);
      try (KafkaProducer<String, String> producer =
          new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
        producer.initTransactions();
        for (int transaction = 0; transaction < 3; transaction++) {
          producer.beginTransaction();
          for (int i = 0; i < 4; i++) {
            producer.send(new ProducerRecord<>(topic, i % 2, "k", "v" + i));
          }
          producer.commitTransaction();
        }
        // two runs: 12 records, 3 transactions over 2 partitions (6 markers)
        Map<String, Object> breakdown = before.after(admin, writes, 2);

        assertThat(byTopic(breakdown, "kafka_records_per_run_by_topic")).containsEntry(topic, 6.0);
        assertThat(byTopic(breakdown, "kafka_offsets_per_run_by_topic")).containsEntry(topic, 9.0);
        assertThat((double) breakdown.get("kafka_records_per_run")).isGreaterThanOrEqualTo(6.0);
        assertThat((double) breakdown.get("kafka_offsets_per_run")).isGreaterThanOrEqualTo(9.0);
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> byTopic(Map<String, Object> breakdown, String key) {
    return (Map<String, Object>) breakdown.get(key);
  }
}
