package io.jobline.history;

import io.jobline.topic.KafkaSettings;
import io.jobline.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Sends to {@code jobline.history.dlq} what history sets aside as it commits, outside the
 * exactly-once transaction, and returns once the brokers have it: that transaction is about to
 * store the stripped copy and move past the input, so the original must be safe first. A crash
 * after the send and before the commit sets it aside again (a second copy on the topic, never
 * none). A send that fails throws, and the commit with it.
 */
public final class DirectDeadLetters
    implements Consumer<List<Record<String, byte[]>>>, AutoCloseable {
  /**
   * How long a call waits for its records to be acknowledged, in all: history's transaction is open
   * meanwhile, and the brokers abort it after 10 s (Kafka Streams' {@code transaction.timeout.ms}).
   */
  static final Duration WAIT = Duration.ofSeconds(4);

  /** How many records sent last are remembered, so that the same one is not sent again. */
  static final int REMEMBERED = 10_000;

  private final Producer<String, byte[]> producer;

  /**
   * The records sent last (run id, reason and value): a run whose stripped copy MongoDB refuses too
   * fails its commit, is folded again and set aside again, over and over; it goes to the topic once
   * (found by review: a copy per attempt, for ever).
   */
  private final Set<List<Object>> sentLately =
      Collections.newSetFromMap(
          new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<List<Object>, Boolean> eldest) {
              return size() > REMEMBERED;
            }
          });

  public DirectDeadLetters(KafkaSettings kafka) {
    this(producer(kafka));
  }

  DirectDeadLetters(Producer<String, byte[]> producer) {
    this.producer = producer;
  }

  private static Producer<String, byte[]> producer(KafkaSettings kafka) {
    Map<String, Object> props = kafka.clientProperties();
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.CLIENT_ID_CONFIG, "jobline-history-set-aside");
    // within history's open transaction, which the brokers abort after 10 s: given up in time
    // (the delivery timeout must cover the linger and one request's timeout, or the producer is
    // refused at construction)
    props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) WAIT.toMillis() / 4);
    props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) WAIT.toMillis() / 2);
    props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) WAIT.toMillis());
    return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
  }

  @Override
  public synchronized void accept(List<Record<String, byte[]>> setAside) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    List<Future<RecordMetadata>> sent = new ArrayList<>(setAside.size());
    List<List<Object>> keys = new ArrayList<>(setAside.size());
    for (Record<String, byte[]> r : setAside) {
      List<Object> key = key(r);
      if (sentLately.contains(key)) {
        continue;
      }
      keys.add(key);
      sent.add(
          producer.send(
              new ProducerRecord<>(
                  Topics.HISTORY_DLQ.name(),
                  null,
                  r.timestamp(),
                  r.key(),
                  r.value(),
                  r.headers())));
    }
    for (Future<RecordMetadata> f : sent) {
      try {
        f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new HistoryException("interrupted while sending what history set aside", e);
      } catch (ExecutionException | TimeoutException e) {
        throw new HistoryException(
            "could not send what history set aside to " + Topics.HISTORY_DLQ.name(), e);
      }
    }
    sentLately.addAll(keys);
  }

  private static List<Object> key(Record<String, byte[]> r) {
    Header reason = r.headers().lastHeader(Topics.DLQ_REASON_HEADER);
    return List.of(
        String.valueOf(r.key()),
        reason == null ? "" : new String(reason.value(), StandardCharsets.UTF_8),
        r.value() == null ? 0 : Arrays.hashCode(r.value()),
        r.value() == null ? 0 : r.value().length);
  }

  @Override
  public void close() {
    producer.close(WAIT);
  }
}
