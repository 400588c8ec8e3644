package io.jobline.executor;

import io.jobline.topic.KafkaSettings;
import io.jobline.topic.Topics;
import io.jobline.wire.Control;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
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
 * executor sees every cancel) and remembers cancelled run ids, so a run is cancelled whether it
 * is running here, waiting here, or not yet delivered.
 */
final class ControlListener implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ControlListener.class);
  private static final int REMEMBERED = 100_000;

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Consumer<String> onCancel;
  private final Set<String> cancelled = Collections.synchronizedSet(Collections.newSetFromMap(
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > REMEMBERED;
        }
      }));
  private final Thread thread;
  private volatile boolean running = true;

  ControlListener(KafkaSettings kafka, String clientId, Consumer<String> onCancel) {
    Map<String, Object> props = kafka.clientProperties();
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-control");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    this.consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.onCancel = onCancel;
    this.thread = new Thread(this::loop, "jobline-executor-control");
    this.thread.setDaemon(true);
  }

  void start() {
    List<TopicPartition> partitions = consumer.partitionsFor(Topics.CONTROL.name()).stream()
        .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    thread.start();
  }

  boolean isCancelled(String runId) {
    return cancelled.contains(runId);
  }

  private void loop() {
    try {
      while (running) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
          Control control;
          try {
            control = Topics.CONTROL.valueSerde().deserializer().deserialize(record.topic(), record.value());
          } catch (RuntimeException e) {
            LOG.warn("Ignoring an unreadable control record at {}-{}@{}: {}", record.topic(),
                record.partition(), record.offset(), e.getMessage());
            continue;
          }
          if (control != null && Control.CANCEL.equals(control.action()) && control.runId() != null) {
            String runId = control.runId().value();
            cancelled.add(runId);
            onCancel.accept(runId);
          }
        }
      }
    } catch (WakeupException e) {
      // closing
    } catch (RuntimeException e) {
      LOG.error("Control listener stopped; cancels will not reach this executor until it restarts", e);
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
