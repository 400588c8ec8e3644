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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A copy of a request moved to the overflow lane follows it there: the overflow partition's
 * executor, which sees both, runs one; left in the main lane, each lane's executor ran its own.
 */
class MovedTwinTest {
  private static final Instant T0 = Instant.parse("2026-12-06T12:00:00Z");
  private static final TopicPartition MAIN = new TopicPartition(Topics.REQUESTS.name(), 0);

  private final Lanes lanes = new Lanes(1);
  private final MockProducer<byte[], byte[]> producer =
      new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
  private final Clock clock = Clock.fixed(T0, ZoneOffset.UTC);
  private EventTransaction transaction;
  private Dispatcher dispatcher;
  private OverflowMover mover;
  private RequestReader reader;

  @BeforeEach
  void reader() {
    producer.initTransactions();
    transaction =
        new EventTransaction(new KafkaSettings(), "x", new ExecutorSettings(), () -> producer);
    RunEnvironment env =
        new RunEnvironment(
            "exec-a",
            new ExecutorSettings(),
            new ExecutorParts(null, new InMemoryTimerStore(), null, null),
            new EventPublisher(),
            clock,
            null);
    Map<TopicPartition, OwnedPartition> owned = new HashMap<>();
    dispatcher =
        new Dispatcher(
            new Dispatcher.Context(
                env, owned, lanes, OverflowPace.forTarget(1000, System.nanoTime()), null));
    OffsetTracker offsets = new OffsetTracker();
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
            new Refusals("exec-a", clock, new EventPublisher(), new DeadLetters(transaction)));
  }

  private static ConsumerRecord<byte[], byte[]> request(long offset, String runId) {
    JobRequest r =
        JobRequest.of(
            RunId.of(runId),
            "counting",
            Json.object(),
            "t1",
            null,
            null,
            Trigger.manual(),
            T0,
            "t");
    return new ConsumerRecord<>(
        MAIN.topic(),
        MAIN.partition(),
        offset,
        "t1".getBytes(StandardCharsets.UTF_8),
        Topics.REQUESTS.valueSerde().serializer().serialize(MAIN.topic(), r));
  }

  private List<String> movedClaimKeys() {
    assertThat(transaction.commit(Map.of(), new ConsumerGroupMetadata("g")))
        .isEqualTo(EventTransaction.Outcome.COMMITTED);
    assertThat(producer.history())
        .extracting(ProducerRecord::topic)
        .containsOnly(Topics.REQUESTS_OVERFLOW.name());
    return producer.history().stream().map(r -> RequestReader.claimKeyOf(r.value())).toList();
  }

  @Test
  void aCopyOfARequestMovedAsideFollowsItThoughItsTenantsRequestsStayInTheMainLaneByThen() {
    // found by review: once the tenant's backlog had drained, a copy read later (a chain step sent
    // again, a redrive) stayed in the main lane and ran there while the overflow partition's
    // executor ran the copy moved, at the same time
    lanes.recount(List.of());
    reader.accept(request(0, "a")); // waits here: the tenant's one request in the main lane
    reader.accept(request(1, "dup")); // the tenant is over its share: it moves, and "a" with it
    mover.moveSome(Long.MAX_VALUE);
    lanes.recount(List.of()); // the backlog has drained

    reader.accept(request(2, "dup"));
    assertThat(dispatcher.take(p -> true)).as("the copy does not wait here").isEmpty();
    mover.moveSome(Long.MAX_VALUE);
    assertThat(movedClaimKeys()).containsExactly("a:1", "dup:1", "dup:1");

    reader.accept(request(3, "b")); // no copy of anything moved: stays
    assertThat(dispatcher.take(p -> true))
        .extracting(p -> p.request().runId().value())
        .containsExactly("b");
  }

  @Test
  void movesVoidedOrOfAPartitionGoneAreForgotten() {
    lanes.recount(List.of());
    reader.accept(request(0, "a"));
    reader.accept(request(1, "dup"));
    mover.moveSome(Long.MAX_VALUE);
    mover.forget(List.of(MAIN)); // (the transaction was voided: both are read again)
    lanes.recount(List.of());

    reader.accept(request(2, "dup"));

    assertThat(mover.mayHaveMovedFor(MAIN, "t1")).isFalse();
    assertThat(dispatcher.take(p -> true))
        .extracting(p -> p.request().runId().value())
        .containsExactly("dup");
  }
}
