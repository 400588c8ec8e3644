package io.jobline.executor;

import io.jobline.topic.KafkaSettings;
import io.jobline.topic.Topics;
import io.jobline.wire.Control;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every partition of {@code jobline.control} from the beginning (no consumer group: every
 * executor sees every cancel) and remembers which attempts of which runs were cancelled, so a run
 * is cancelled whether it is running here, waiting here, or not yet delivered.
 */
final class ControlListener implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ControlListener.class);
  private static final int REMEMBERED = 100_000;

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final BiConsumer<String, Integer> onCancel;

  /** Run id to the last attempt cancelled. */
  private final Map<String, Integer> cancelled =
      Collections.synchronizedMap(
          new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
              return size() > REMEMBERED;
            }
          });

  private final Thread thread;
  private volatile boolean running = true;

  ControlListener(KafkaSettings kafka, String clientId, BiConsumer<String, Integer> onCancel) {
    Map<String, Object> props = kafka.clientProperties();
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-control");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    this.consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.onCancel = onCancel;
    this.thread = new Thread(this::loop, "jobline-executor-control");
    this.thread.setDaemon(true);
  }

  void start() {
    List<TopicPartition> partitions =
        consumer.partitionsFor(Topics.CONTROL.name()).stream()
            .map(p -> new TopicPartition(p.topic(), p.partition()))
            .toList();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    thread.start();
  }

  /** Whether this attempt of the run was cancelled. */
  boolean isCancelled(String runId, int attempt) {
    Integer upTo = cancelled.get(runId);
    return upTo != null && attempt <= upTo;
  }

  private void loop() {
    try {
      while (running) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
          Control control;
          try {
            control =
                Topics.CONTROL
                    .valueSerde()
                    .deserializer()
                    .deserialize(record.topic(), record.value());
          } catch (RuntimeException e) {
            LOG.warn(
                "Ignoring an unreadable control record at {}-{}@{}: {}",
                record.topic(),
                record.partition(),
                record.offset(),
                e.getMessage());
            continue;
          }
          if (control != null
              && Control.CANCEL.equals(control.action())
              && control.runId() != null) {
            String runId = control.runId().value();
            int upTo = cancelled.merge(runId, control.cancelsUpTo(), Math::max);
            onCancel.accept(runId, upTo);
          }
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (RuntimeException e) {
      LOG.error(
          "Control listener stopped; cancels will not reach this executor until it restarts", e);
    } finally {
      consumer.close();
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    consumer.wakeup();
    thread.join(5000);
  }
}
