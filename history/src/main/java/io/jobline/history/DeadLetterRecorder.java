package io.jobline.history;

import io.dropwizard.lifecycle.Managed;
import io.jobline.store.DeadLetterStore;
import io.jobline.topic.DeadLetter;
import io.jobline.topic.KafkaSettings;
import io.jobline.topic.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
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

  private final KafkaSettings kafka;
  private final DeadLetterStore store;
  private volatile KafkaConsumer<byte[], byte[]> consumer;
  private volatile boolean running;
  private Thread thread;

  public DeadLetterRecorder(KafkaSettings kafka, DeadLetterStore store) {
    this.kafka = kafka;
    this.store = store;
  }

  @Override
  public void start() {
    Map<String, Object> props = kafka.clientProperties();
    props.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, "jobline-dead-letters");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    // history writes its dead letters in transactions: an aborted one is no dead letter
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    consumer.subscribe(List.of(Topics.REQUESTS_DLQ.name(), Topics.HISTORY_DLQ.name()));
    running = true;
    thread = new Thread(this::loop, "jobline-dead-letters");
    thread.setDaemon(true);
    thread.start();
  }

  private void loop() {
    try {
      while (running) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(500));
        if (records.isEmpty()) {
          continue;
        }
        List<DeadLetter> batch = new ArrayList<>(records.count());
        for (ConsumerRecord<byte[], byte[]> r : records) {
          batch.add(DeadLetter.of(r));
        }
        if (write(batch)) {
          consumer.commitSync();
        }
      }
    } catch (WakeupException stopping) {
      // stop() asked
    } catch (RuntimeException e) {
      LOG.error(
          "Recording dead letters stopped; records on the dead-letter topics wait for the next start",
          e);
    } finally {
      consumer.close();
    }
  }

  /**
   * Writes a batch, trying again while the store is out (the poll is held meanwhile); false when
   * stopping.
   */
  private boolean write(List<DeadLetter> batch) {
    while (running) {
      try {
        store.putAll(batch);
        return true;
      } catch (RuntimeException e) {
        LOG.warn(
            "Could not record {} dead letter(s) in the store ({}); trying again in a second",
            batch.size(),
            e.toString());
        try {
          Thread.sleep(1000);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }
    return false;
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
