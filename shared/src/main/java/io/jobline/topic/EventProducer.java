package io.jobline.topic;

import io.jobline.wire.JobRequest;
import io.jobline.wire.RunEvent;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Produces run events to {@code jobline.events}, keyed by run id (for roles other than the
 * executor).
 */
public final class EventProducer implements AutoCloseable {
  private final KafkaProducer<String, RunEvent> producer;

  public EventProducer(KafkaSettings kafka, String clientId) {
    Map<String, Object> props = kafka.clientProperties();
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    SendTimeouts.withinTheWait(props);
    this.producer =
        new KafkaProducer<>(
            props, Topics.EVENTS.keySerde().serializer(), Topics.EVENTS.valueSerde().serializer());
  }

  private volatile int requestPartitions = -1;
  private volatile int eventPartitions = -1;

  /**
   * The record of an event: keyed by run id, on the partition number of its run's request when the
   * two topics have as many partitions (the tenant is read from the event's {@code tenant_id}).
   */
  private ProducerRecord<String, RunEvent> record(RunEvent event) {
    if (requestPartitions < 0) {
      requestPartitions = producer.partitionsFor(Topics.REQUESTS.name()).size();
      eventPartitions = producer.partitionsFor(Topics.EVENTS.name()).size();
    }
    Integer partition = null;
    if (requestPartitions == eventPartitions && event.payload() != null) {
      String tenant = event.payload().path("tenant_id").asText(null);
      partition =
          Topics.requestPartition(
              tenant == null || tenant.isBlank() ? JobRequest.SYSTEM_TENANT : tenant,
              requestPartitions);
    }
    return new ProducerRecord<>(Topics.EVENTS.name(), partition, event.runId().value(), event);
  }

  /** Sends without waiting; the future completes once Kafka has the event. */
  public CompletableFuture<RecordMetadata> send(RunEvent event) {
    CompletableFuture<RecordMetadata> done = new CompletableFuture<>();
    producer.send(
        record(event),
        (meta, error) -> {
          if (error != null) {
            done.completeExceptionally(error);
          } else {
            done.complete(meta);
          }
        });
    return done;
  }

  /**
   * Sends and waits until Kafka has the event, for an event that must come before whatever the
   * caller does next (e.g. a retry's event before its request, which an executor may start at
   * once).
   *
   * @throws NotAcknowledgedException when Kafka does not take it within 30 s
   */
  public void sendAndWait(RunEvent event) {
    try {
      producer.send(record(event)).get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NotAcknowledgedException(
          event.runId(), "interrupted while sending an event of run " + event.runId(), e);
    } catch (ExecutionException | TimeoutException e) {
      throw new NotAcknowledgedException(
          event.runId(), "Kafka did not take an event of run " + event.runId() + ": " + e, e);
    }
  }

  @Override
  public void close() {
    producer.close();
  }
}
