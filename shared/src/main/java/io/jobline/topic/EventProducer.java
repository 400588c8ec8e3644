package io.jobline.topic;

import io.jobline.wire.RunEvent;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Produces run events to {@code jobline.events}, keyed by run id (for roles other than the executor). */
public final class EventProducer implements AutoCloseable {
  private final KafkaProducer<String, RunEvent> producer;

  public EventProducer(KafkaSettings kafka, String clientId) {
    Map<String, Object> props = kafka.clientProperties();
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    this.producer = new KafkaProducer<>(props, Topics.EVENTS.keySerde().serializer(),
        Topics.EVENTS.valueSerde().serializer());
  }

  public void send(RunEvent event) {
    producer.send(new ProducerRecord<>(Topics.EVENTS.name(), event.runId().value(), event));
  }

  @Override
  public void close() {
    producer.close();
  }
}
