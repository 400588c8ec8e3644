package io.jobline.topic;

import io.jobline.wire.Control;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Produces control messages (cancel) to {@code jobline.control}, keyed by run id. */
public final class ControlProducer implements AutoCloseable {
  private final KafkaProducer<String, Control> producer;

  public ControlProducer(KafkaSettings kafka) {
    Map<String, Object> props = kafka.clientProperties();
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.CLIENT_ID_CONFIG, "jobline-control");
    SendTimeouts.withinTheWait(props);
    this.producer =
        new KafkaProducer<>(
            props,
            Topics.CONTROL.keySerde().serializer(),
            Topics.CONTROL.valueSerde().serializer());
  }

  /**
   * Sends and waits for Kafka's acknowledgement.
   *
   * @throws IllegalStateException when Kafka does not take it within 30 s
   */
  public void sendAndWait(Control control) {
    try {
      producer
          .send(new ProducerRecord<>(Topics.CONTROL.name(), control.runId().value(), control))
          .get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while sending a control message", e);
    } catch (Exception e) {
      throw new IllegalStateException("Kafka did not accept the control message: " + e, e);
    }
  }

  @Override
  public void close() {
    producer.close();
  }
}
