package io.jobline.topic;

import io.jobline.wire.JobRequest;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Produces job requests to {@code jobline.requests}, keyed by tenant. */
public final class RequestProducer implements AutoCloseable {
  private final KafkaProducer<byte[], byte[]> producer;

  public RequestProducer(KafkaSettings kafka, String clientId) {
    Map<String, Object> props = kafka.clientProperties();
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    // 5 ms: concurrent submissions (the api's, a client's) share a produce request; each costs the
    // broker
    props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, 262144);
    // not compressed: a batch holds a few requests of a few hundred bytes, and lz4 gave each new
    // batch 128 KB of fresh buffers (31 % of all the bench's allocation at 2,000 jobs/s), the
    // broker decompressed every batch to check it and the executor every batch it read (with lz4,
    // `bench --jobs 100000` ran 4,811-4,878 jobs/s on 32 CPU-s; without, 6,510-6,867 on 24)
    props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    SendTimeouts.withinTheWait(props);
    this.producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** Serializes a request now, to send it later at no cost. */
  public static PreparedRequest prepare(JobRequest request) {
    return new PreparedRequest(
        request,
        request.partitionKey().getBytes(StandardCharsets.UTF_8),
        Topics.REQUESTS.valueSerde().serializer().serialize(Topics.REQUESTS.name(), request));
  }

  /** Sends without waiting; the future completes when Kafka has the record. */
  public CompletableFuture<RecordMetadata> send(JobRequest request) {
    return send(prepare(request));
  }

  /** Sends a prepared request without waiting. */
  public CompletableFuture<RecordMetadata> send(PreparedRequest prepared) {
    CompletableFuture<RecordMetadata> done = new CompletableFuture<>();
    producer.send(
        new ProducerRecord<>(Topics.REQUESTS.name(), prepared.key(), prepared.value()),
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
   * @throws NotAcknowledgedException when Kafka does not acknowledge it within 30 s
   */
  public RecordMetadata sendAndWait(JobRequest request) {
    try {
      return send(request).get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NotAcknowledgedException(
          request.runId(), "interrupted while sending run " + request.runId(), e);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new NotAcknowledgedException(
          request.runId(), "Kafka did not accept run " + request.runId() + ": " + cause, cause);
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
