package io.jobline.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jobline.store.DeadLetterStore;
import io.jobline.store.InMemoryDeadLetterStore;
import io.jobline.topic.DeadLetter;
import io.jobline.topic.Topics;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The recorder of dead letters goes on after Kafka fails it. */
class DeadLetterRecorderTest {
  private static final TopicPartition TP = new TopicPartition(Topics.REQUESTS_DLQ.name(), 0);

  private static ConsumerRecord<byte[], byte[]> letter(long offset) {
    return new ConsumerRecord<>(
        TP.topic(),
        TP.partition(),
        offset,
        "t1".getBytes(StandardCharsets.UTF_8),
        ("{\"run_id\":\"r" + offset + "\",\"job_name\":\"noop\"}")
            .getBytes(StandardCharsets.UTF_8));
  }

  /**
   * A mock consumer over a log: a seek back reads again what lies from there (the mock alone
   * forgets the records it returned).
   */
  private static final class LogConsumer extends MockConsumer<byte[], byte[]> {
    private final List<ConsumerRecord<byte[], byte[]>> log = new CopyOnWriteArrayList<>();

    LogConsumer() {
      super("earliest");
    }

    void append(ConsumerRecord<byte[], byte[]> r) {
      log.add(r);
      addRecord(r);
    }

    @Override
    public synchronized void seek(TopicPartition tp, OffsetAndMetadata at) {
      seek(tp, at.offset());
    }

    @Override
    public synchronized void seek(TopicPartition tp, long offset) {
      super.seek(tp, offset);
      log.stream()
          .filter(r -> r.partition() == tp.partition() && r.offset() >= offset)
          .forEach(this::addRecord);
    }
  }

  /**
   * Runs a recorder reading {@code consumer} into {@code store} until {@code seen} holds the dead
   * letters at {@code offsets}.
   */
  private static void recordUntilStored(
      MockConsumer<byte[], byte[]> consumer,
      DeadLetterStore store,
      InMemoryDeadLetterStore seen,
      long... offsets)
      throws InterruptedException {
    DeadLetterRecorder recorder = new DeadLetterRecorder(() -> consumer, store);
    recorder.start();
    try {
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  Arrays.stream(offsets)
                      .allMatch(o -> seen.find(DeadLetter.idOf(TP.topic(), 0, o)).isPresent()));
    } finally {
      recorder.stop();
    }
  }

  @Test
  void aFailedPollDoesNotStopTheRecording() throws Exception {
    // found by review: the first failure of a poll or a commit ended the recorder's thread, and
    // job_dead_letters stopped following the topics until the process started again
    MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    InMemoryDeadLetterStore store = new InMemoryDeadLetterStore();
    consumer.schedulePollTask(
        () -> {
          consumer.rebalance(List.of(TP));
          consumer.updateBeginningOffsets(Map.of(TP, 0L));
          consumer.addRecord(letter(0));
        });
    consumer.schedulePollTask(() -> consumer.setPollException(new KafkaException("broker gone")));
    consumer.schedulePollTask(() -> consumer.addRecord(letter(1)));
    recordUntilStored(consumer, store, store, 0, 1);
    assertThat(store.find(DeadLetter.idOf(TP.topic(), 0, 1)).orElseThrow().runId()).isEqualTo("r1");
  }

  @Test
  void whatAPollReturnsWhileTheStoreIsOutIsReadAgainNotLost() throws Exception {
    // found by review of the first fix: a rebalance while it waited resumed the partitions, the
    // poll that keeps the group returned records, which were dropped, and the commit that followed
    // the write went past them
    LogConsumer consumer = new LogConsumer();
    AtomicInteger refusals = new AtomicInteger(2);
    InMemoryDeadLetterStore store = new InMemoryDeadLetterStore();
    DeadLetterStore flaky =
        (DeadLetterStore)
            Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {DeadLetterStore.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("putAll") && refusals.getAndDecrement() > 0) {
                    throw new IllegalStateException("the store is down");
                  }
                  try {
                    return method.invoke(store, args);
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
    consumer.schedulePollTask(
        () -> {
          consumer.rebalance(List.of(TP));
          consumer.updateBeginningOffsets(Map.of(TP, 0L));
          consumer.append(letter(0));
        });
    consumer.schedulePollTask(
        () -> {
          consumer.resume(List.of(TP)); // (as a rebalance hands it back unpaused)
          consumer.append(letter(1));
          consumer.append(letter(2));
        });
    recordUntilStored(consumer, flaky, store, 0, 1, 2);
    assertThat(refusals.get()).isNegative();
  }
}
