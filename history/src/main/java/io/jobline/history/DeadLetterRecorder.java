package io.jobline.history;

import io.dropwizard.lifecycle.Managed;
import io.jobline.store.DeadLetterStore;
import io.jobline.topic.DeadLetter;
import io.jobline.topic.KafkaSettings;
import io.jobline.topic.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@code job_dead_letters} in step with the dead-letter topics, so the api can list, page and
 * redrive them: each record is written by its id (topic, partition, offset) before its offset is
 * committed, so a restart writes at most a few again and loses none.
 */
public final class DeadLetterRecorder implements Managed {
  private static final Logger LOG = LoggerFactory.getLogger(DeadLetterRecorder.class);

  /** The consumer group; every history process shares it. */
  public static final String GROUP = "jobline-dead-letters";

  private final DeadLetterStore store;
  private final Supplier<Consumer<byte[], byte[]>> consumers;
  private volatile Consumer<byte[], byte[]> consumer;
  private volatile boolean running;
  private Thread thread;

  public DeadLetterRecorder(KafkaSettings kafka, DeadLetterStore store) {
    this(() -> newConsumer(kafka), store);
  }

  /** A recorder reading with the consumers {@code consumers} makes (tests give their own). */
  DeadLetterRecorder(Supplier<Consumer<byte[], byte[]>> consumers, DeadLetterStore store) {
    this.consumers = consumers;
    this.store = store;
  }

  private static Consumer<byte[], byte[]> newConsumer(KafkaSettings kafka) {
    Map<String, Object> props = kafka.clientProperties();
    props.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, "jobline-dead-letters");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    // history writes its dead letters in transactions: an aborted one is no dead letter
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  @Override
  public void start() {
    consumer = consumers.get();
    consumer.subscribe(List.of(Topics.REQUESTS_DLQ.name(), Topics.HISTORY_DLQ.name()));
    running = true;
    thread = new Thread(this::loop, "jobline-dead-letters");
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Records until stopped. A failure of Kafka's (a poll, a commit refused after a rebalance) does
   * not end it: it reads again from the offsets committed, and what it writes twice it writes by
   * the same id (found by review: the first such failure stopped the recording until a restart).
   */
  private void loop() {
    try {
      while (running) {
        try {
          step();
        } catch (WakeupException stopping) {
          break;
        } catch (RuntimeException e) {
          if (!running || Thread.currentThread().isInterrupted()) {
            break;
          }
          LOG.warn(
              "Recording dead letters failed ({}); reading again from the last recorded in a"
                  + " second",
              e.toString());
          rewind();
          pause(1000);
        }
      }
    } finally {
      consumer.close();
    }
  }

  private void step() {
    ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(500));
    if (records.isEmpty()) {
      return;
    }
    List<DeadLetter> batch = new ArrayList<>(records.count());
    Map<TopicPartition, OffsetAndMetadata> upTo = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      batch.add(DeadLetter.of(r));
      upTo.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
    }
    boolean waited = false;
    while (true) {
      try {
        store.putAll(batch);
        break;
      } catch (RuntimeException e) {
        LOG.warn(
            "Could not record {} dead letter(s) in the store ({}); trying again in a second",
            batch.size(),
            e.toString());
        waited = true;
        if (!waitForTheStore()) {
          return; // stopping
        }
      }
    }
    // what this batch read, not the positions: a poll while it waited may have moved them
    consumer.commitSync(upTo);
    if (waited) {
      rewind(); // (back before what such a poll returned, which was not written)
    }
  }

  /** Goes back to the offsets committed, where it has partitions (else it waits for them). */
  private void rewind() {
    try {
      Set<TopicPartition> assigned = consumer.assignment();
      Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assigned);
      for (TopicPartition tp : assigned) {
        OffsetAndMetadata at = committed.get(tp);
        if (at != null) {
          consumer.seek(tp, at);
        } else {
          consumer.seekToBeginning(List.of(tp));
        }
      }
    } catch (WakeupException stopping) {
      throw stopping;
    } catch (RuntimeException e) {
      // its position may be past records not written: a new consumer starts from the offsets
      // committed (found by review: the next commit went past them)
      LOG.warn(
          "Could not go back to the dead letters last recorded ({}); reading with a new consumer",
          e.toString());
      try {
        consumer.close();
      } catch (RuntimeException closing) {
        e.addSuppressed(closing);
      }
      try {
        consumer = consumers.get();
        consumer.subscribe(List.of(Topics.REQUESTS_DLQ.name(), Topics.HISTORY_DLQ.name()));
      } catch (RuntimeException reopening) {
        // (the closed one fails its next poll, and the loop comes back here)
        LOG.warn("Could not open a new dead-letter consumer: {}", reopening.toString());
      }
    }
  }

  /**
   * Waits a second for the store, keeping its partitions paused and polling meanwhile, so the group
   * does not take them away from a reader that waits (a rebalance resumes them: they are paused
   * again before each poll, and what such a poll returns is read again after the write).
   *
   * @return false when stopping
   */
  private boolean waitForTheStore() {
    consumer.pause(consumer.assignment());
    if (!pause(1000)) {
      return false;
    }
    consumer.pause(consumer.assignment());
    consumer.poll(Duration.ZERO);
    consumer.resume(consumer.paused());
    return running;
  }

  private static boolean pause(long millis) {
    try {
      Thread.sleep(millis);
      return true;
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public void stop() throws InterruptedException {
    running = false;
    if (consumer != null) {
      consumer.wakeup();
    }
    if (thread != null) {
      thread.join(10_000);
    }
  }
}
