package io.jobline.executor;

import io.jobline.topic.KafkaSettings;
import io.jobline.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends request records that cannot be run to {@code jobline.requests.dlq}, as they came, with the
 * reason.
 */
final class DeadLetters implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);
  private final KafkaProducer<byte[], byte[]> producer;

  DeadLetters(KafkaSettings kafka) {
    Map<String, Object> props = kafka.clientProperties();
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.CLIENT_ID_CONFIG, "jobline-executor-dlq");
    this.producer =
        new KafkaProducer<>(
            props,
            Topics.REQUESTS_DLQ.keySerde().serializer(),
            Topics.REQUESTS_DLQ.valueSerde().serializer());
  }

  /** Sends the record; {@code sent} runs once the DLQ has it. */
  void send(ConsumerRecord<byte[], byte[]> record, String reason, Runnable sent) {
    LOG.warn(
        "Request at {}-{}@{} goes to the dead-letter topic: {}",
        record.topic(),
        record.partition(),
        record.offset(),
        reason);
    ProducerRecord<byte[], byte[]> out =
        new ProducerRecord<>(
            Topics.REQUESTS_DLQ.name(), null, record.key(), record.value(), record.headers());
    out.headers().add(Topics.DLQ_REASON_HEADER, reason.getBytes(StandardCharsets.UTF_8));
    out.headers()
        .add(
            Topics.DLQ_SOURCE_HEADER,
            (record.topic() + "/" + record.partition() + "/" + record.offset())
                .getBytes(StandardCharsets.UTF_8));
    producer.send(
        out,
        (meta, error) -> {
          if (error == null) {
            sent.run();
          } else {
            LOG.error(
                "Could not write to the dead-letter topic; the record stays uncommitted", error);
          }
        });
  }

  @Override
  public void close() {
    producer.close();
  }
}
