package io.jobline.app;

import io.jobline.topic.Topic;
import io.jobline.topic.TopicAdmin;
import io.jobline.topic.TopicSettings;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The raw-Kafka baseline {@code jobline bench} compares the pipeline with: as many records of the
 * same size produced and consumed at once, on a topic laid out as {@code jobline.requests} and with
 * the pipeline's producer settings, after the same kind of warm-up.
 */
final class RawKafkaBaseline {
  /**
   * Scratch topic of the raw-Kafka baseline: produced and consumed at once, as the pipeline's
   * requests are.
   */
  private static final Topic<byte[], byte[]> BENCH_RAW =
      new Topic<>("jobline.bench.raw", Serdes.ByteArray(), Serdes.ByteArray());

  private final Standalone standalone;
  private final int records;
  private final int tenants;
  private final int timeoutSeconds;

  RawKafkaBaseline(Standalone standalone, int records, int tenants, int timeoutSeconds) {
    this.standalone = standalone;
    this.records = records;
    this.tenants = tenants;
    this.timeoutSeconds = timeoutSeconds;
  }

  /** Records a second through Kafka, produced and consumed, each {@code recordBytes} long. */
  double recordsPerSecond(int recordBytes) throws Exception {
    TopicSettings settings = standalone.config().topics;
    TopicAdmin.ensureTopics(
        standalone.config().kafka, settings, List.of(BENCH_RAW), Duration.ofSeconds(60));
    byte[] value = new byte[recordBytes];
    Arrays.fill(value, (byte) 'x');
    Map<String, Object> producerProps = standalone.config().kafka.clientProperties();
    producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
    producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    producerProps.put(ProducerConfig.LINGER_MS_CONFIG, 2);
    producerProps.put(ProducerConfig.BATCH_SIZE_CONFIG, 65536);
    Map<String, Object> consumerProps = standalone.config().kafka.clientProperties();
    consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    consumerProps.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1000);
    try (KafkaProducer<byte[], byte[]> producer =
            new KafkaProducer<>(
                producerProps, new ByteArraySerializer(), new ByteArraySerializer());
        KafkaConsumer<byte[], byte[]> consumer =
            new KafkaConsumer<>(
                consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(BENCH_RAW.name()).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToEnd(partitions);
      partitions.forEach(consumer::position);
      for (int i = 0; i < 1000; i++) { // warm-up
        producer.send(
            new ProducerRecord<>(BENCH_RAW.name(), ("tenant-" + (i % tenants)).getBytes(), value));
      }
      producer.flush();
      long warm = 0;
      while (warm < 1000) {
        warm += consumer.poll(Duration.ofMillis(100)).count();
      }
      AtomicLong consumed = new AtomicLong();
      Thread reader =
          new Thread(
              () -> {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
                while (consumed.get() < records && System.nanoTime() < deadline) {
                  consumed.addAndGet(consumer.poll(Duration.ofMillis(100)).count());
                }
              },
              "jobline-bench-raw-consumer");
      long start = System.nanoTime();
      reader.start();
      for (int i = 0; i < records; i++) {
        producer.send(
            new ProducerRecord<>(BENCH_RAW.name(), ("tenant-" + (i % tenants)).getBytes(), value));
      }
      producer.flush();
      reader.join();
      return consumed.get() / ((System.nanoTime() - start) / 1e9);
    }
  }
}
