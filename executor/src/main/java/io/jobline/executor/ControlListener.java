package io.jobline.executor;

import io.jobline.topic.KafkaSettings;
import io.jobline.topic.Topics;
import io.jobline.wire.Control;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
 * is cancelled whether it is running here, waiting here, or not yet delivered. The executor starts
 * taking requests once the listener has read what the topic held when it started ({@link
 * #awaitReplay}), so a run cancelled while this executor was down does not start here.
 */
final class ControlListener implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ControlListener.class);

  /** The runs whose cancels are remembered (the last cancelled), at most about 33 MB. */
  static final int REMEMBERED = 1_000_000;

  /** How long the starting executor asks where the topic ends. */
  private static final Duration END_OFFSETS_WITHIN = Duration.ofSeconds(10);

  /** How long a failed read waits before the next. */
  private static final Duration AFTER_FAILURE = Duration.ofSeconds(1);

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final BiConsumer<String, Integer> onCancel;

  /** Run id to the last attempt cancelled (guarded by itself). */
  private final CancelledRuns cancelled =
      new CancelledRuns(REMEMBERED, new SecureRandom().nextLong());

  /** Where each partition ended when the listener started; null once read up to there. */
  private volatile Map<TopicPartition, Long> replayTo;

  private final CountDownLatch replayed = new CountDownLatch(1);

  private final Thread thread;
  private volatile boolean running = true;

  ControlListener(KafkaSettings kafka, String clientId, BiConsumer<String, Integer> onCancel) {
    Map<String, Object> props = kafka.clientProperties();
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-control");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    // (a segment deleted by retention under the reader: go on from the oldest left, never skip)
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
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
    try {
      replayTo = new HashMap<>(consumer.endOffsets(partitions, END_OFFSETS_WITHIN));
    } catch (RuntimeException e) {
      // (the executor starts anyway, as it did before it waited for the cancels)
      LOG.warn(
          "Could not learn where jobline.control ends; not waiting to have read it: {}",
          e.toString());
      replayed.countDown();
    }
    thread.start();
  }

  /**
   * Waits until the listener has read every cancel the topic held when it started, for at most
   * {@code max}; whether it has.
   */
  boolean awaitReplay(Duration max) throws InterruptedException {
    return replayed.await(max.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Whether this attempt of the run was cancelled. */
  boolean isCancelled(String runId, int attempt) {
    synchronized (cancelled) {
      return cancelled.isCancelled(runId, attempt);
    }
  }

  private void loop() {
    try {
      while (running) {
        try {
          readOnce();
        } catch (WakeupException e) {
          throw e;
        } catch (RuntimeException e) {
          // (it stopped for good before: cancels then never reached this executor)
          LOG.error("Reading jobline.control failed; trying again in {}", AFTER_FAILURE, e);
          Thread.sleep(AFTER_FAILURE.toMillis());
        }
      }
    } catch (WakeupException | InterruptedException e) {
      // closing
    } finally {
      consumer.close();
    }
  }

  private void readOnce() {
    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
      Control control;
      try {
        control =
            Topics.CONTROL.valueSerde().deserializer().deserialize(record.topic(), record.value());
      } catch (RuntimeException e) {
        LOG.warn(
            "Ignoring an unreadable control record at {}-{}@{}: {}",
            record.topic(),
            record.partition(),
            record.offset(),
            e.getMessage());
        continue;
      }
      if (control != null && Control.CANCEL.equals(control.action()) && control.runId() != null) {
        String runId = control.runId().value();
        int upTo;
        synchronized (cancelled) {
          upTo = cancelled.merge(runId, control.cancelsUpTo());
        }
        onCancel.accept(runId, upTo);
      }
    }
    Map<TopicPartition, Long> until = replayTo;
    if (until != null
        && until.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
      replayTo = null;
      replayed.countDown();
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    consumer.wakeup();
    thread.join(5000);
  }
}
