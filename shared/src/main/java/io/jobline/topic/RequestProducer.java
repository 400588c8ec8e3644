package io.jobline.topic;

import io.jobline.wire.JobRequest;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/** Produces job requests to {@code jobline.requests}, keyed by tenant. */
public final class RequestProducer implements AutoCloseable {
  private final KafkaProducer<String, JobRequest> producer;

  public RequestProducer(KafkaSettings kafka, String clientId) {
    Map<String, Object> props = kafka.clientProperties();
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.LINGER_MS_CONFIG, 1);
    props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    this.producer = new KafkaProducer<>(props, Topics.REQUESTS.keySerde().serializer(),
        Topics.REQUESTS.valueSerde().serializer());
  }

  /** Sends without waiting; the future completes when Kafka has the record. */
  public CompletableFuture<RecordMetadata> send(JobRequest request) {
    CompletableFuture<RecordMetadata> done = new CompletableFuture<>();
    producer.send(new ProducerRecord<>(Topics.REQUESTS.name(), request.partitionKey(), request),
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
   * Sends and waits until Kafka acknowledges the record.
   *
   * @throws IllegalStateException when Kafka does not acknowledge it within 30 s
   */
  public RecordMetadata sendAndWait(JobRequest request) {
    try {
      return send(request).get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while sending run " + request.runId(), e);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new IllegalStateException("Kafka did not accept run " + request.runId() + ": " + cause, cause);
    }
  }

  public void flush() {
    producer.flush();
  }

  @Override
  public void close() {
    producer.close();
  }
}
