package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.job.JobRegistry;
import io.jobline.job.ParamsValidator;
import io.jobline.store.InMemoryTimerStore;
import io.jobline.topic.KafkaSettings;
import io.jobline.topic.Topics;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import io.jobline.wire.Trigger;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A request reader of tenant {@code t1}'s records on partition 0 of the main lane, with its
 * dispatcher (which has no runs: a start fails the test), overflow mover and refusals, all sending
 * into one transaction of a {@link MockProducer}: no broker.
 */
final class ReaderHarness {
  static final Instant T0 = Instant.parse("2026-12-06T12:00:00Z");
  static final TopicPartition MAIN = new TopicPartition(Topics.REQUESTS.name(), 0);

  final Lanes lanes;
  final MockProducer<byte[], byte[]> producer =
      new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
  final EventPublisher events = new EventPublisher();
  final EventTransaction transaction;
  final Dispatcher dispatcher;
  final OverflowMover mover;
  final RequestReader reader;
  final Map<TopicPartition, OwnedPartition> owned = new HashMap<>();
  final OffsetTracker offsets = new OffsetTracker();
  final RunEnvironment env;
  final ClaimStore claims;

  /** With {@code overflowAfter} of a tenant's requests waiting before the next moves aside. */
  ReaderHarness(int overflowAfter) {
    this(overflowAfter, null);
  }

  /** The same, the takeovers of its dispatcher asking {@code claims}. */
  ReaderHarness(int overflowAfter, ClaimStore claims) {
    this.claims = claims;
    lanes = new Lanes(overflowAfter);
    producer.initTransactions();
    transaction =
        new EventTransaction(new KafkaSettings(), "x", new ExecutorSettings(), () -> producer);
    Clock clock = Clock.fixed(T0, ZoneOffset.UTC);
    env =
        new RunEnvironment(
            "exec-a",
            new ExecutorSettings(),
            new ExecutorParts(claims, new InMemoryTimerStore(), null, null),
            events,
            clock,
            null);
    dispatcher =
        new Dispatcher(
            new Dispatcher.Context(
                env, owned, lanes, OverflowPace.forTarget(1000, System.nanoTime()), null));
    mover =
        new OverflowMover("exec-a", dispatcher, transaction, true, offsets, new MoveQueue(1 << 20));
    reader =
        new RequestReader(
            new Intake(
                JobRegistry.scan(List.of("io.jobline.executor.testjobs")), new ParamsValidator()),
            offsets,
            owned,
            lanes,
            dispatcher,
            mover,
            new Refusals("exec-a", clock, events, new DeadLetters(transaction), dispatcher));
  }

  /** Tenant t1's request of a run of {@code job} at {@code offset}. */
  static ConsumerRecord<byte[], byte[]> request(long offset, String runId, String job) {
    JobRequest r =
        JobRequest.of(
            RunId.of(runId), job, Json.object(), "t1", null, null, Trigger.manual(), T0, "t");
    return record(offset, Topics.REQUESTS.valueSerde().serializer().serialize(MAIN.topic(), r));
  }

  /** Tenant t1's record at {@code offset}, as it came. */
  static ConsumerRecord<byte[], byte[]> record(long offset, byte[] value) {
    return new ConsumerRecord<>(
        MAIN.topic(), MAIN.partition(), offset, "t1".getBytes(StandardCharsets.UTF_8), value);
  }

  /** Commits the transaction and gives what it sent. */
  List<ProducerRecord<byte[], byte[]>> committed() {
    assertThat(transaction.commit(Map.of(), new ConsumerGroupMetadata("g")))
        .isEqualTo(EventTransaction.Outcome.COMMITTED);
    return producer.history();
  }
}
