package io.jobline.scheduler;

import io.jobline.topic.KafkaSettings;
import io.jobline.topic.PreparedRequest;
import io.jobline.topic.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands requests to Kafka ahead of their time inside a transaction, so that they become visible to
 * (read-committed) executors all at once when released: at the fire time only the commit remains,
 * however many requests fall due together.
 *
 * <p>Every scheduler replica uses the same transactional id, so the replica that most recently
 * started producing fences the others: a leader that was frozen and wakes after another took over
 * cannot release anything. The producer is created on first use, i.e. once a replica leads.
 */
public final class ReleasingRequestProducer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReleasingRequestProducer.class);

  /**
   * An open transaction holds back every later record of its partitions from executors; never for
   * long.
   */
  static final int TRANSACTION_TIMEOUT_MS = 5_000;

  private final Map<String, Object> props;
  private KafkaProducer<byte[], byte[]> producer;
  private Staged open;

  public ReleasingRequestProducer(KafkaSettings kafka, String transactionalId) {
    props = kafka.clientProperties();
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, TRANSACTION_TIMEOUT_MS);
    props.put(ProducerConfig.LINGER_MS_CONFIG, 1);
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, 262144);
    // not compressed, as the other request producer: lz4 allocated 128 KB per batch and made the
    // broker and the executors decompress every one; `bench schedules --count 100000 --due 10000`
    // handed the 10,000 over in 86-113 ms without it (lateness p99 26-28 ms)
    props.put(ProducerConfig.CLIENT_ID_CONFIG, transactionalId);
  }

  /** Requests handed to Kafka that executors do not see until {@link #release()}. */
  public final class Staged {
    private final int size;
    private boolean done;

    private Staged(int size) {
      this.size = size;
    }

    public int size() {
      return size;
    }

    /**
     * Commits the transaction: every staged request becomes visible at once. The future is complete
     * (normally or exceptionally) when this returns.
     */
    public CompletableFuture<Void> release() {
      synchronized (ReleasingRequestProducer.this) {
        if (done) {
          return CompletableFuture.failedFuture(
              new IllegalStateException("already released or withdrawn"));
        }
        done = true;
        open = null;
        try {
          producer.commitTransaction();
          return CompletableFuture.completedFuture(null);
        } catch (KafkaException e) {
          abandon(e);
          return CompletableFuture.failedFuture(e);
        }
      }
    }

    /** Aborts the transaction: executors never see these requests. */
    public void withdraw() {
      synchronized (ReleasingRequestProducer.this) {
        if (done) {
          return;
        }
        done = true;
        open = null;
        try {
          producer.abortTransaction();
        } catch (KafkaException e) {
          abandon(e);
        }
      }
    }
  }

  /**
   * Creates the producer now rather than at the first fire: registers the transactional id (fencing
   * any older producer with it) and loads the request topic's partitions.
   *
   * @throws KafkaException when Kafka cannot be reached or refuses
   */
  public synchronized void ready() {
    try {
      producer();
    } catch (KafkaException e) {
      abandon(e);
      throw e;
    }
  }

  private KafkaProducer<byte[], byte[]> producer() {
    if (producer == null) {
      producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
      producer.initTransactions();
      producer.partitionsFor(Topics.REQUESTS.name());
    }
    return producer;
  }

  /**
   * Opens a transaction and sends the requests into it without waiting.
   *
   * @throws IllegalStateException when a staged batch is still open
   * @throws KafkaException when this producer has been fenced by another replica or Kafka refuses
   */
  public synchronized Staged stage(List<PreparedRequest> requests) {
    if (open != null) {
      throw new IllegalStateException("a staged batch of " + open.size + " requests is still open");
    }
    try {
      producer().beginTransaction();
      for (PreparedRequest r : requests) {
        producer.send(new ProducerRecord<>(Topics.REQUESTS.name(), r.key(), r.value()));
      }
    } catch (KafkaException e) {
      abandon(e);
      throw e;
    }
    open = new Staged(requests.size());
    return open;
  }

  /**
   * After a failure the transaction cannot be trusted: drop the producer, a new one starts afresh.
   */
  private void abandon(KafkaException cause) {
    open = null;
    if (producer == null) {
      return;
    }
    if (cause instanceof ProducerFencedException) {
      LOG.warn(
          "Another scheduler replica took over producing scheduled requests; this one stops releasing");
    } else {
      LOG.warn(
          "Staged requests could not be released; the scheduler will fire them again: {}",
          cause.toString());
    }
    try {
      producer.close(Duration.ZERO);
    } catch (KafkaException ignored) {
      // closing a broken producer may fail as well; it is discarded either way
    }
    producer = null;
  }

  @Override
  public synchronized void close() {
    if (open != null) {
      open.withdraw();
    }
    if (producer != null) {
      producer.close();
      producer = null;
    }
  }
}
