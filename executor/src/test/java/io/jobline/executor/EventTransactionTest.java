package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jobline.store.InMemoryTimerStore;
import io.jobline.store.TimerStore;
import io.jobline.topic.PreparedRequest;
import io.jobline.topic.RequestProducer;
import io.jobline.topic.Topics;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import io.jobline.wire.Trigger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/** The executor's Kafka transaction, on the tests' broker. */
class EventTransactionTest {
  private static final Instant T0 = Instant.parse("2026-12-05T12:00:00Z");

  private final ExecutorHarness h = ExecutorHarness.get();

  @Test
  void theRequestsARunSendsWithItsEndCountOnlyOnceTheTransactionCommits() {
    String parentId = "fan-" + UUID.randomUUID();
    JobRequest parent =
        JobRequest.of(
            RunId.of(parentId), "fan", Json.object(), null, null, null, Trigger.manual(), T0, "t");
    List<PreparedRequest> children =
        List.of("a", "b", "c").stream()
            .map(t -> RequestProducer.prepare(parent.childFor(t, T0)))
            .toList();
    RunEvent end =
        new RunEvent(RunId.of(parentId), 2, EventType.COMPLETED, T0, "exec-tx", 1, 1, null);
    EventPublisher.Outgoing out =
        new EventPublisher.Outgoing(end, null, -1, () -> {}, null, children);

    try (KafkaConsumer<byte[], byte[]> requests = committedReader()) {
      List<TopicPartition> all =
          requests.partitionsFor(Topics.REQUESTS.name()).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      requests.assign(all);
      requests.seekToEnd(all);
      Map<TopicPartition, Long> from = new HashMap<>(); // (from here on)
      all.forEach(tp -> from.put(tp, requests.position(tp)));

      EventTransaction tx =
          new EventTransaction(
              h.kafkaSettings, "tx-test-" + UUID.randomUUID(), new ExecutorSettings());
      try {
        tx.sendEvents(List.of(out), false);
        assertThat(tx.commitNow()).as("requests a run sent are committed at once").isTrue();
        awaitOnTheBroker(from, parentId, children.size());
        tx.abort(); // (an executor that dies before its commit: the brokers abort it)
        tx.sendEvents(List.of(out), false);
        assertThat(tx.commit(Map.of(), new ConsumerGroupMetadata("tx-test")))
            .isEqualTo(EventTransaction.Outcome.COMMITTED);
      } finally {
        tx.close();
      }

      Map<String, Integer> seen = new HashMap<>();
      Map<TopicPartition, Long> committedEnd = requests.endOffsets(all);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                requests
                    .poll(Duration.ofMillis(100))
                    .forEach(r -> countChild(r.value(), parentId, seen));
                return all.stream().allMatch(tp -> requests.position(tp) >= committedEnd.get(tp));
              });
      Map<String, Integer> once = new HashMap<>();
      children.forEach(c -> once.put(c.request().runId().value(), 1));
      assertThat(seen).as("each child once: the aborted copies never count").isEqualTo(once);
    }
  }

  @Test
  void aSendKafkaRefusesAtOnceVoidsTheTransactionAtItsCommitAndTheNextOneCommits() {
    // found by review: once a send of the transaction failed, Kafka refuses every later one at
    // once; thrown, that stopped the executor's poll loop, and its lease notes then named as
    // finished requests whose ends were in the transaction that never committed
    EventTransaction tx =
        new EventTransaction(
            h.kafkaSettings, "tx-test-" + UUID.randomUUID(), new ExecutorSettings());
    try {
      byte[] tooLarge = new byte[2 * 1024 * 1024]; // (over the producer's max.request.size)
      tx.move(new ProducerRecord<>(Topics.REQUESTS_OVERFLOW.name(), new byte[1], tooLarge));
      tx.move(new ProducerRecord<>(Topics.REQUESTS_OVERFLOW.name(), new byte[1], new byte[1]));
      assertThat(tx.commit(Map.of(), new ConsumerGroupMetadata("tx-test")))
          .isEqualTo(EventTransaction.Outcome.VOID);

      tx.move(new ProducerRecord<>(Topics.REQUESTS_OVERFLOW.name(), new byte[1], new byte[1]));
      assertThat(tx.commit(Map.of(), new ConsumerGroupMetadata("tx-test")))
          .isEqualTo(EventTransaction.Outcome.COMMITTED);
    } finally {
      tx.close();
    }
  }

  @Test
  void aCommitThatTimesOutIsTriedAgainNotTakenForVoid() {
    // found by review: aborted after a timeout, a transaction the coordinator had prepared did
    // commit, yet its ends were taken for void and their retry timers dropped: those runs stayed
    // "retrying" for good
    AtomicInteger commits = new AtomicInteger();
    MockProducer<byte[], byte[]> producer =
        new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer()) {
          @Override
          public synchronized void commitTransaction() {
            if (commits.incrementAndGet() == 1) {
              throw new TimeoutException("Timeout expired after 60000ms while awaiting EndTxn");
            }
            super.commitTransaction();
          }
        };
    producer.initTransactions();
    EventTransaction tx =
        new EventTransaction(h.kafkaSettings, "tx-mock", new ExecutorSettings(), () -> producer);
    tx.move(new ProducerRecord<>(Topics.REQUESTS_OVERFLOW.name(), new byte[1], new byte[1]));

    assertThat(tx.commit(Map.of(), new ConsumerGroupMetadata("tx-test")))
        .isEqualTo(EventTransaction.Outcome.COMMITTED);
    assertThat(commits).hasValue(2);
    assertThat(producer.transactionCommitted()).isTrue();
    assertThat(tx.takeVoided()).isEmpty();
  }

  @Test
  void aTransactionVoidedWhileASendWasRefusedLeavesTheNextOneWhole() {
    // found by review: the refusal stayed noted after the abort that voided its transaction, and
    // the next transaction dropped every record and was voided too (its ends run again)
    MockProducer<byte[], byte[]> producer =
        new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    producer.initTransactions();
    EventTransaction tx =
        new EventTransaction(h.kafkaSettings, "tx-mock", new ExecutorSettings(), () -> producer);
    producer.sendException = new KafkaException("a previous send failed");
    tx.move(new ProducerRecord<>(Topics.REQUESTS_OVERFLOW.name(), new byte[1], new byte[1]));
    assertThat(tx.commitNow()).as("a void transaction ends at once").isTrue();
    tx.abort(); // (a partition lost meanwhile)
    producer.sendException = null;

    tx.move(new ProducerRecord<>(Topics.REQUESTS_OVERFLOW.name(), new byte[1], new byte[2]));
    assertThat(tx.commit(Map.of(), new ConsumerGroupMetadata("tx-test")))
        .isEqualTo(EventTransaction.Outcome.COMMITTED);
    assertThat(producer.history()).hasSize(1);
  }

  @Test
  void aCommitThatKeepsTimingOutEndsWithANewProducerNotAnAbortAndTheExecutorGoesOn() {
    // found by review: after a timed-out commit Kafka's client refuses an abort, and the refusal
    // stopped the executor's poll loop
    List<MockProducer<byte[], byte[]>> made = new ArrayList<>();
    Supplier<Producer<byte[], byte[]>> producers =
        firstFailingCommits(
            made, tryNo -> new TimeoutException("Timeout expired while awaiting EndTxn"));
    ExecutorSettings settings = new ExecutorSettings();
    settings.transactionTimeout = io.dropwizard.util.Duration.seconds(1);
    EventTransaction tx = new EventTransaction(h.kafkaSettings, "tx-mock", settings, producers);
    tx.move(new ProducerRecord<>(Topics.REQUESTS_OVERFLOW.name(), new byte[1], new byte[1]));
    InMemoryTimerStore timers = new InMemoryTimerStore();
    TimerStore.Timer retry = sendAFailedEndWithItsRetry(tx, timers);

    assertThat(tx.commit(Map.of(), new ConsumerGroupMetadata("tx-test")))
        .isEqualTo(EventTransaction.Outcome.VOID);
    assertThat(made).hasSize(2);
    assertThat(made.get(0).closed()).isTrue();
    // found by review: its ends were taken back as void, and with them the retry timers they set;
    // had the transaction committed after all, those runs stayed "retrying" for good
    forgetVoided(tx, timers);
    assertThat(timers.due(T0.plusSeconds(60), 10))
        .extracting(TimerStore.Timer::id)
        .as("the retry timer stays")
        .containsExactly(retry.id());
    tx.move(new ProducerRecord<>(Topics.REQUESTS_OVERFLOW.name(), new byte[1], new byte[1]));
    assertThat(tx.commit(Map.of(), new ConsumerGroupMetadata("tx-test")))
        .isEqualTo(EventTransaction.Outcome.COMMITTED);
  }

  @Test
  void aCommitThatTimedOutAndThenFailedOtherwiseKeepsTheRetryTimersOfItsEnds() {
    // found by review: a try after the timeout that ended otherwise (a fenced producer) was taken
    // for an abort, though the first try may have committed
    List<MockProducer<byte[], byte[]>> made = new ArrayList<>();
    Supplier<Producer<byte[], byte[]>> producers =
        firstFailingCommits(
            made,
            tryNo ->
                tryNo == 1
                    ? new TimeoutException("Timeout expired while awaiting EndTxn")
                    : new ProducerFencedException("another producer took the transactional id"));
    EventTransaction tx =
        new EventTransaction(h.kafkaSettings, "tx-mock", new ExecutorSettings(), producers);
    InMemoryTimerStore timers = new InMemoryTimerStore();
    TimerStore.Timer retry = sendAFailedEndWithItsRetry(tx, timers);

    assertThat(tx.commit(Map.of(), new ConsumerGroupMetadata("tx-test")))
        .isEqualTo(EventTransaction.Outcome.VOID);
    forgetVoided(tx, timers);

    assertThat(timers.due(T0.plusSeconds(60), 10))
        .extracting(TimerStore.Timer::id)
        .as("the retry timer stays")
        .containsExactly(retry.id());
  }

  /**
   * Mock producers, noted in {@code made}, of which the first fails each commit with {@code
   * failure} of that try (1, 2, ...) and refuses an abort, as after a commit that timed out.
   */
  private static Supplier<Producer<byte[], byte[]>> firstFailingCommits(
      List<MockProducer<byte[], byte[]>> made, IntFunction<RuntimeException> failure) {
    AtomicInteger tries = new AtomicInteger();
    return () -> {
      boolean first = made.isEmpty();
      MockProducer<byte[], byte[]> p =
          new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer()) {
            @Override
            public synchronized void commitTransaction() {
              if (first) {
                throw failure.apply(tries.incrementAndGet());
              }
              super.commitTransaction();
            }

            @Override
            public synchronized void abortTransaction() {
              throw new IllegalStateException("the commit that timed out must be retried");
            }
          };
      p.initTransactions();
      made.add(p);
      return p;
    };
  }

  /** Sends into {@code tx} a failed attempt's end, whose retry timer is set in {@code timers}. */
  private static TimerStore.Timer sendAFailedEndWithItsRetry(
      EventTransaction tx, InMemoryTimerStore timers) {
    RunId runId = RunId.of("r-" + UUID.randomUUID());
    JobRequest next =
        JobRequest.of(runId, "flaky", Json.object(), "t1", 2, null, Trigger.manual(), T0, "t");
    TimerStore.Timer retry =
        new TimerStore.Timer(
            TimerStore.retryId(runId.value(), 2), T0.plusSeconds(5), "retry", next);
    timers.set(retry);
    EndMark mark =
        new EndMark(
            new Pending(
                null,
                next,
                new TopicPartition(Topics.REQUESTS.name(), 0),
                4,
                () -> {},
                null,
                null,
                1,
                0));
    mark.retryTimer(retry);
    RunEvent failed = new RunEvent(runId, 2, EventType.FAILED, T0, "exec-tx", 1, 1, null);
    tx.sendEvents(
        List.of(new EventPublisher.Outgoing(failed, null, -1, () -> {}, mark, List.of())), false);
    return retry;
  }

  /** Forgets the ends {@code tx} made void, as the executor does. */
  private static void forgetVoided(EventTransaction tx, InMemoryTimerStore timers) {
    new Dispatcher(
            new Dispatcher.Context(
                new RunEnvironment(
                    "exec-tx",
                    new ExecutorSettings(),
                    new ExecutorParts(null, timers, null, null),
                    new EventPublisher(),
                    Clock.fixed(T0, ZoneOffset.UTC),
                    null),
                new HashMap<>(),
                new Lanes(200),
                OverflowPace.forTarget(1000, System.nanoTime()),
                null))
        .forgetEnded(tx.takeVoided());
  }

  /**
   * Waits until a reader of what is not committed yet sees {@code n} children of {@code parentId}:
   * the transaction to abort has them on the broker, not only in its producer's buffer.
   */
  private void awaitOnTheBroker(Map<TopicPartition, Long> from, String parentId, int n) {
    try (KafkaConsumer<byte[], byte[]> uncommitted = reader("read_uncommitted")) {
      uncommitted.assign(from.keySet());
      from.forEach(uncommitted::seek);
      Map<String, Integer> seen = new HashMap<>();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                uncommitted
                    .poll(Duration.ofMillis(100))
                    .forEach(r -> countChild(r.value(), parentId, seen));
                return seen.size() == n;
              });
    }
  }

  private static void countChild(byte[] value, String parentId, Map<String, Integer> seen) {
    JobRequest read =
        Topics.REQUESTS.valueSerde().deserializer().deserialize(Topics.REQUESTS.name(), value);
    if (read.parentRunId() != null && read.parentRunId().value().equals(parentId)) {
      seen.merge(read.runId().value(), 1, Integer::sum);
    }
  }

  private KafkaConsumer<byte[], byte[]> committedReader() {
    return reader("read_committed");
  }

  private KafkaConsumer<byte[], byte[]> reader(String isolation) {
    Map<String, Object> props = h.kafkaSettings.clientProperties();
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }
}
