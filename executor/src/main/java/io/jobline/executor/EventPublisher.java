package io.jobline.executor;

import io.jobline.topic.KafkaSettings;
import io.jobline.topic.Topics;
import io.jobline.wire.RunEvent;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Publishes run events to {@code jobline.events}, keyed by run id. */
final class EventPublisher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventPublisher.class);
  private final KafkaProducer<String, RunEvent> producer;

  EventPublisher(KafkaSettings kafka) {
    Map<String, Object> props = kafka.clientProperties();
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.LINGER_MS_CONFIG, 2);
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, 65536);
    props.put(ProducerConfig.CLIENT_ID_CONFIG, "jobline-executor-events");
    this.producer = new KafkaProducer<>(props, Topics.EVENTS.keySerde().serializer(),
        Topics.EVENTS.valueSerde().serializer());
  }

  void publish(RunEvent event) {
    publish(event, () -> {});
  }

  /** Publishes and calls {@code acknowledged} once Kafka has the event. */
  void publish(RunEvent event, Runnable acknowledged) {
    producer.send(new ProducerRecord<>(Topics.EVENTS.name(), event.runId().value(), event),
        (meta, error) -> {
          if (error != null) {
            LOG.error("Could not publish {} event of run {}; its request stays uncommitted and "
                + "will be delivered again", event.type(), event.runId(), error);
          } else {
            acknowledged.run();
          }
        });
  }

  /** Waits until every event sent so far is acknowledged. */
  void flush() {
    producer.flush();
  }

  @Override
  public void close() {
    producer.close();
  }
}
