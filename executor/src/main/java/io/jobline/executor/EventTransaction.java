package io.jobline.executor;

import io.jobline.topic.CommitPace;
import io.jobline.topic.KafkaSettings;
import io.jobline.topic.PreparedRequest;
import io.jobline.topic.Topics;
import io.jobline.wire.RunEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executor's open Kafka transaction (poll thread only): run events, the requests runs send (a
 * fan-out's children) and requests moved to the overflow lane go into it, and it commits them with
 * the offsets finished, all or nothing.
 */
final class EventTransaction {
  private static final Logger LOG = LoggerFactory.getLogger(EventTransaction.class);

  /** How a commit went. */
  enum Outcome {
    /** Nothing to commit. */
    NOTHING,
    COMMITTED,
    /**
     * Kafka refused it: what the transaction held is void, and the partitions must be read again.
     */
    VOID
  }

  private final KafkaSettings kafka;
  private final String executorId;
  private Producer<byte[], byte[]> producer;
  private boolean open;
  private boolean sent;

  /**
   * Requests moved to the overflow lane in the open transaction at which it commits before its
   * interval is up: a bound on what an abort makes the executor move again, not a pace (a moved
   * request's offset is finished at once, so moves do not wait for the commit).
   */
  static final int MOVES_PER_COMMIT = 20_000;

  /** Requests moved to the overflow lane in the open transaction. */
  private int moved;

  /** Whether the open transaction holds requests a run sent (a fan-out's children). */
  private boolean holdsRequests;

  /** The ends of attempts that ended here sent in the open transaction. */
  private List<EndMark> ends = new ArrayList<>();

  /** The ends sent in transactions aborted since {@link #takeVoided} was last called. */
  private final List<EndMark> voided = new ArrayList<>();

  private final CommitPace pace;

  private final Duration timeout;

  /**
   * How often the transaction commits, and so how long a batch of events waits to be sent: every
   * reader of the topic reads committed records only and a commit sends what waits. Lingering 5 ms
   * instead, the broker took 13.3 s of CPU in {@code bench --jobs 20000 --rate 600}, the executor
   * 6.3 s and history lag was 880 / 1,667 ms (p50 / p99); at the commit interval 9.7 s, 4.3 s and
   * 493 / 1,431 ms, and the 30,000-job burst ran as fast as before.
   */
  private final Duration commitInterval;

  /** Makes its transactional producers (a new one after one was fenced or failed). */
  private final Supplier<Producer<byte[], byte[]>> producers;

  /** Why the open transaction is void, if a send into it was refused: its commit aborts it. */
  private RuntimeException failed;

  /**
   * A transaction committed every {@code executor.commitInterval}, aborted by the brokers if it
   * stays open past {@code executor.transactionTimeout}.
   */
  EventTransaction(KafkaSettings kafka, String executorId, ExecutorSettings settings) {
    this(kafka, executorId, settings, null);
  }

  /** With {@code producers} making its transactional producers (tests); null: Kafka's own. */
  EventTransaction(
      KafkaSettings kafka,
      String executorId,
      ExecutorSettings settings,
      Supplier<Producer<byte[], byte[]>> producers) {
    this.kafka = kafka;
    this.executorId = executorId;
    this.timeout = settings.transactionTimeout.toJavaDuration();
    this.commitInterval = settings.commitInterval.toJavaDuration();
    this.pace = new CommitPace(commitInterval.toNanos(), System.nanoTime());
    this.producers = producers != null ? producers : this::newProducer;
    this.producer = this.producers.get();
  }

  private Producer<byte[], byte[]> newProducer() {
    Map<String, Object> props = kafka.clientProperties();
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(
        ProducerConfig.LINGER_MS_CONFIG,
        (int) Math.min(Integer.MAX_VALUE, commitInterval.toMillis()));
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, 65536);
    props.put(ProducerConfig.CLIENT_ID_CONFIG, "jobline-executor-events-" + executorId);
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "jobline-executor-" + executorId);
    props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) timeout.toMillis());
    // a commit that times out is tried again while the transaction may live (commitUntilKnown):
    // Kafka's 60 s wait was longer than the transaction's 30 s, so it never was (found by review)
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) Math.max(1_000, timeout.toMillis() / 3));
    // one transaction carries run events, moved requests and dead letters, serialized by the caller
    KafkaProducer<byte[], byte[]> p =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    try {
      p.initTransactions();
    } catch (RuntimeException e) {
      p.close(Duration.ZERO); // (its threads would stay)
      throw e;
    }
    return p;
  }

  int partitionsFor(String topic) {
    return producer().partitionsFor(topic).size();
  }

  /** The producer, made anew if the last attempt to make one failed. */
  private Producer<byte[], byte[]> producer() {
    if (producer == null) {
      producer = producers.get();
    }
    return producer;
  }

  /** Puts run events into the transaction, each on its request's partition number when given. */
  void sendEvents(List<EventPublisher.Outgoing> out, boolean coPartitioned) {
    if (out.isEmpty()) {
      return;
    }
    begin();
    for (EventPublisher.Outgoing o : out) {
      // on the partition number of its request, so history finds both in one task
      Integer partition = coPartitioned && o.partition() >= 0 ? o.partition() : null;
      for (PreparedRequest r : o.requests()) {
        put(new ProducerRecord<>(Topics.REQUESTS.name(), r.key(), r.value()));
        holdsRequests = true;
      }
      send(o.event(), partition);
      if (o.then() != null) {
        send(o.then(), partition);
      }
      if (o.end() != null) {
        ends.add(o.end());
      }
      o.sent().run();
    }
    sent = true;
  }

  private void send(RunEvent event, Integer partition) {
    byte[] value = serialized(event);
    if (value.length > EventSize.MAX_BYTES) {
      RunEvent fitted = EventSize.fitted(event, value.length);
      LOG.warn(
          "Run {} attempt {}: its {} event was {} bytes, over what Kafka takes; sent as {}",
          event.runId(),
          event.attempt(),
          event.type(),
          value.length,
          fitted.type());
      value = serialized(fitted);
    }
    put(
        new ProducerRecord<>(
            Topics.EVENTS.name(),
            partition,
            event.runId().value().getBytes(StandardCharsets.UTF_8),
            value));
  }

  /**
   * Puts a record into the open transaction. A send Kafka refuses at once (once one of the
   * transaction's sends failed, every later one is refused) voids the transaction at its commit, as
   * a commit Kafka refuses does: thrown here, it stopped the poll loop, and the lease's note named
   * as finished requests whose ends were in the transaction that never committed (found by review).
   */
  private void put(ProducerRecord<byte[], byte[]> record) {
    if (failed != null) {
      return; // (void already)
    }
    try {
      producer().send(record);
    } catch (KafkaException | IllegalStateException e) {
      voidFor("could not put a record into its transaction; it is void at its commit", e);
    }
  }

  /** Notes why the open transaction is void: its commit aborts it. */
  private void voidFor(String what, RuntimeException e) {
    failed = e;
    LOG.warn("Executor {} {}: {}", executorId, what, e.toString());
  }

  private static byte[] serialized(RunEvent event) {
    return Topics.EVENTS.valueSerde().serializer().serialize(Topics.EVENTS.name(), event);
  }

  /** Puts a request moved to the overflow lane into the transaction. */
  void move(ProducerRecord<byte[], byte[]> record) {
    begin();
    put(record);
    sent = true;
    moved++;
  }

  /**
   * Puts a request refused onto the dead-letter topic in the transaction, which commits its offset
   * too: an abort voids the dead letter with the offset, and the request read again is refused once
   * more, so the topic holds it once.
   */
  void deadLetter(ProducerRecord<byte[], byte[]> record) {
    begin();
    put(record);
    sent = true;
  }

  /** Whether the open transaction holds so many moved requests that it should commit now. */
  boolean movedEnough() {
    return moved >= MOVES_PER_COMMIT;
  }

  /**
   * Whether the open transaction should commit now: it holds so many moved requests, or requests a
   * run sent (every reader of {@code jobline.requests} waits at their partitions until it ends).
   */
  boolean commitNow() {
    return moved >= MOVES_PER_COMMIT || holdsRequests || failed != null;
  }

  /** Whether the next commit is due ({@link CommitPace}). */
  boolean due() {
    return pace.due(System.nanoTime());
  }

  boolean isOpen() {
    return open;
  }

  /**
   * Commits what the transaction holds with {@code offsets}. When Kafka refuses, the transaction is
   * aborted (or the fenced producer replaced) and what it held is void.
   */
  Outcome commit(Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group) {
    long start = System.nanoTime();
    if (offsets.isEmpty() && !sent) {
      pace.committed(start, start);
      return Outcome.NOTHING;
    }
    try {
      return commitNow(offsets, group);
    } finally {
      pace.committed(start, System.nanoTime());
    }
  }

  private Outcome commitNow(
      Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group) {
    if (failed != null) {
      failed = null;
      if (open) {
        abort();
      } else {
        replaceProducer(); // (it could not even begin one)
      }
      return Outcome.VOID;
    }
    try {
      begin();
      if (failed != null) {
        return commitNow(offsets, group);
      }
      if (!offsets.isEmpty()) {
        producer().sendOffsetsToTransaction(offsets, group);
      }
      commitUntilKnown();
      open = false;
      sent = false;
      moved = 0;
      holdsRequests = false;
      ends = new ArrayList<>();
      return Outcome.COMMITTED;
    } catch (ProducerFencedException | InvalidProducerEpochException fatal) {
      LOG.warn(
          "Executor {}'s transactional producer was fenced; starting a new one: {}",
          executorId,
          fatal.toString());
      replaceProducer();
    } catch (CommitUnknown unknown) {
      // (only a commit may follow a commit that timed out, or a close: never an abort)
      LOG.warn(
          "Executor {}'s commit timed out for as long as its transaction may live; its producer"
              + " is made anew (which ends that transaction), and what it held is read again: {}",
          executorId,
          unknown.getCause().toString());
      ends.forEach(EndMark::outcomeUnknown);
      replaceProducer();
    } catch (KafkaException e) {
      LOG.warn(
          "Executor {} could not commit its runs' events and offsets; they are read again: {}",
          executorId,
          e.toString());
      abort();
    } catch (IllegalStateException e) {
      LOG.warn(
          "Executor {}'s producer could not commit ({}); it is made anew, and what it held is read"
              + " again",
          executorId,
          e.toString());
      replaceProducer();
    }
    return Outcome.VOID;
  }

  /** A commit that timed out, tried again for as long as the transaction may live. */
  private static final class CommitUnknown extends RuntimeException {
    CommitUnknown(RuntimeException cause) {
      super(cause);
    }
  }

  /**
   * Commits the open transaction. A commit that timed out has an outcome no one knows yet (the
   * coordinator may have it prepared, and then it commits): Kafka's client wants it tried again,
   * and it is, for as long as the transaction may live. Aborted instead, a transaction that did
   * commit was taken for void, and the retry timers of the ends it committed were dropped: those
   * runs stayed "retrying" for good (found by review).
   */
  private void commitUntilKnown() {
    long giveUpAt = System.nanoTime() + timeout.toNanos();
    for (int tries = 1; ; tries++) {
      try {
        producer().commitTransaction();
        return;
      } catch (TimeoutException timedOut) {
        if (tries > 1 && System.nanoTime() - giveUpAt >= 0) {
          throw new CommitUnknown(timedOut);
        }
        LOG.warn(
            "Executor {}'s commit timed out; trying it again: {}", executorId, timedOut.toString());
      } catch (RuntimeException e) {
        if (tries > 1) {
          // after a commit that timed out, what else a try ends with (a fenced producer, say)
          // says nothing of whether the first committed (found by review)
          throw new CommitUnknown(e);
        }
        throw e;
      }
    }
  }

  /** Voids the open transaction: its events never count, its moves are made again. */
  void abort() {
    if (open) {
      try {
        producer().abortTransaction();
      } catch (KafkaException | IllegalStateException abortFailed) {
        replaceProducer();
      }
    }
    voidEnds();
  }

  /** The ends sent in the transactions aborted since this was last called: they never count. */
  List<EndMark> takeVoided() {
    List<EndMark> out = List.copyOf(voided);
    voided.clear();
    return out;
  }

  private void voidEnds() {
    failed = null; // (what a refused send made void is void now)
    open = false;
    sent = false;
    moved = 0;
    holdsRequests = false;
    voided.addAll(ends);
    ends = new ArrayList<>();
  }

  private void begin() {
    if (!open && failed == null) {
      try {
        producer().beginTransaction();
        open = true;
      } catch (KafkaException | IllegalStateException e) {
        voidFor("could not begin a transaction; what it would hold is void", e);
      }
    }
  }

  /**
   * Closes the producer (which ends its open transaction) and makes a new one; if Kafka cannot give
   * one now, the next transaction makes it, and is void until then.
   */
  private void replaceProducer() {
    voidEnds();
    Producer<byte[], byte[]> old = producer;
    producer = null;
    if (old != null) {
      try {
        old.close(Duration.ZERO);
      } catch (RuntimeException e) {
        LOG.debug("Closing the executor's producer: {}", e.toString());
      }
    }
    try {
      producer = producers.get();
    } catch (RuntimeException e) {
      voidFor("could not make a new transactional producer; it tries again at its next commit", e);
    }
  }

  void close() {
    if (producer != null) {
      producer.close(Duration.ZERO);
    }
  }
}
