package io.jobline.executor;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.topic.Topics;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/**
 * A copy of a request moved to the overflow lane follows it there: the overflow partition's
 * executor, which sees both, runs one; left in the main lane, each lane's executor ran its own.
 */
class MovedTwinTest {
  private static final long T0_MILLIS = ReaderHarness.T0.toEpochMilli();
  private final ReaderHarness h = new ReaderHarness(1);

  private static ConsumerRecord<byte[], byte[]> request(long offset, String runId) {
    return ReaderHarness.request(offset, runId, "counting");
  }

  private List<String> movedClaimKeys() {
    List<ProducerRecord<byte[], byte[]>> sent = h.committed();
    assertThat(sent)
        .extracting(ProducerRecord::topic)
        .containsOnly(Topics.REQUESTS_OVERFLOW.name());
    return sent.stream().map(r -> RequestReader.claimKeyOf(r.value())).toList();
  }

  @Test
  void aCopyOfARequestMovedAsideFollowsItThoughItsTenantsRequestsStayInTheMainLaneByThen() {
    // found by review: once the tenant's backlog had drained, a copy read later (a chain step sent
    // again, a redrive) stayed in the main lane and ran there while the overflow partition's
    // executor ran the copy moved, at the same time
    h.lanes.recount(List.of());
    h.reader.accept(request(0, "a")); // waits here: the tenant's one request in the main lane
    h.reader.accept(request(1, "dup")); // the tenant is over its share: it moves, and "a" with it
    h.mover.moveSome(Long.MAX_VALUE);
    h.lanes.recount(List.of()); // the backlog has drained

    h.reader.accept(request(2, "dup"));
    // no copy of anything moved, and read while the copy waits to move: stays (found by review:
    // it joined the copy, as if the tenant still had a backlog)
    h.reader.accept(request(3, "b"));
    h.mover.moveSome(Long.MAX_VALUE);

    assertThat(movedClaimKeys()).containsExactly("a:1", "dup:1", "dup:1");
    assertThat(h.dispatcher.take(p -> true))
        .extracting(p -> p.request().runId().value())
        .containsExactly("b");
  }

  @Test
  void movesVoidedOrOfAPartitionGoneAreForgotten() {
    h.lanes.recount(List.of());
    h.reader.accept(request(0, "a"));
    h.reader.accept(request(1, "dup"));
    h.mover.moveSome(Long.MAX_VALUE);
    h.mover.forget(
        List.of(ReaderHarness.MAIN)); // (the transaction was voided: both are read again)
    h.lanes.recount(List.of());

    h.reader.accept(request(2, "dup"));

    assertThat(h.mover.mayHaveMovedFor(ReaderHarness.MAIN, "t1")).isFalse();
    assertThat(h.dispatcher.take(p -> true))
        .extracting(p -> p.request().runId().value())
        .containsExactly("dup");
  }

  @Test
  void aVoidedTransactionTakesBackItsOwnMovesOnly() {
    // found by review: a void forgot every move of the partition, those committed before too, and
    // a copy read after it stayed here while its committed twin ran in the overflow lane
    h.lanes.recount(List.of());
    h.reader.accept(request(0, "a"));
    h.reader.accept(request(1, "dup"));
    h.mover.moveSome(Long.MAX_VALUE);
    assertThat(movedClaimKeys()).containsExactly("a:1", "dup:1");
    h.mover.committed();
    h.reader.accept(request(2, "x")); // moves too: the tenant still has its share waiting
    h.mover.moveSome(Long.MAX_VALUE);

    h.mover.forgetUncommitted(); // (its transaction was voided: "x" is read again where it was)

    assertThat(h.mover.movedAside("dup:1")).isTrue();
    assertThat(h.mover.movedAside("x:1")).isFalse();
  }

  @Test
  void aRequestMovedAsideAndRefusedWhereItIsReadBackEndsItsRunFailed() {
    // found by review: a refused request counted its own move as a copy of it here, and its run
    // never ended (one executor owns both lanes in the standalone)
    h.lanes.recount(List.of());
    h.reader.accept(request(0, "a"));
    h.reader.accept(ReaderHarness.request(1, "bad", "no-such-job"));
    h.mover.moveSome(Long.MAX_VALUE);
    ProducerRecord<byte[], byte[]> moved = h.committed().get(1);
    h.mover.committed();

    h.reader.accept(
        new ConsumerRecord<>(moved.topic(), moved.partition(), 0, moved.key(), moved.value()));

    assertThat(h.events.isEmpty()).as("the failure of run bad").isFalse();
  }

  @Test
  void aCopyOfAnAttemptWaitingHereTwiceStaysThoughItsTenantsRequestsMoveAside() {
    // found by review: two copies waiting here could not move (neither knows the other elsewhere),
    // a third read while the tenant's requests moved aside was moved unread, and the overflow
    // partition's executor ran it while one of the two ran here
    ReaderHarness two = new ReaderHarness(2);
    two.lanes.recount(List.of());
    two.reader.accept(request(0, "a"));
    two.reader.accept(request(1, "a")); // (a chain step sent again, say)
    two.reader.accept(request(2, "b")); // over the tenant's share: its requests move aside
    two.reader.accept(request(3, "a"));
    two.mover.moveSome(Long.MAX_VALUE);

    List<ProducerRecord<byte[], byte[]>> sent = two.committed();
    assertThat(sent)
        .extracting(r -> RequestReader.claimKeyOf(r.value()))
        .as("moved aside")
        .containsExactly("b:1");
    assertThat(two.dispatcher.take(p -> true))
        .extracting(Pending::offset)
        .as("waiting here, where one runs and the others are told duplicates")
        .containsExactly(0L, 1L, 3L);
  }

  @Test
  void aCopyOfAnAttemptWaitingInTheOverflowLaneHereFollowsItThere() {
    // found by review: kept in the main lane, it ran here while the overflow partition's next
    // owner (after that partition moved) ran the copy waiting there
    ConsumerRecord<byte[], byte[]> aside = request(0, "a");
    h.reader.accept(
        new ConsumerRecord<>(Topics.REQUESTS_OVERFLOW.name(), 0, 0, aside.key(), aside.value()));
    h.lanes.recount(List.of());
    h.reader.accept(request(0, "b")); // waits here: the tenant's one request in the main lane
    h.reader.accept(request(1, "a")); // over the tenant's share: it moves, and "b" with it
    h.mover.moveSome(Long.MAX_VALUE);

    assertThat(movedClaimKeys()).containsExactly("b:1", "a:1");
  }

  @Test
  void aRequestMovedAsideCarriesTheEpochOfItsPartitionsLeaseAndIsReadWithIt() {
    // (each partition counts its lease epochs apart: the overflow lane's run adds the epoch the
    // main lane's lease had when the request was moved, see Pending#leaseEpoch)
    OwnedPartition main = new OwnedPartition(ReaderHarness.MAIN);
    main.leased = true;
    main.epoch = 80;
    h.owned.put(ReaderHarness.MAIN, main);
    TopicPartition overflow = new TopicPartition(Topics.REQUESTS_OVERFLOW.name(), 0);
    OwnedPartition aside = new OwnedPartition(overflow);
    aside.leased = true;
    aside.epoch = 3;
    h.owned.put(overflow, aside);
    h.lanes.recount(List.of());
    h.reader.accept(request(0, "a")); // waits here, then moves with the next (taken to move)
    h.reader.accept(request(1, "r")); // the tenant is over its share: moved as it came
    h.mover.moveSome(Long.MAX_VALUE);

    List<ProducerRecord<byte[], byte[]>> sent = h.committed();
    assertThat(sent)
        .extracting(r -> new String(r.headers().lastHeader(Origin.EPOCH_HEADER).value(), UTF_8))
        .containsExactly("80", "80");
    h.mover.committed();
    for (int i = 0; i < sent.size(); i++) {
      ProducerRecord<byte[], byte[]> moved = sent.get(i);
      h.reader.accept(read(overflow, i, moved.key(), moved.value(), moved.headers()));
    }
    h.reader.accept(
        read(
            overflow,
            2,
            "t1".getBytes(UTF_8),
            ReaderHarness.request(2, "forged", "counting").value(),
            new RecordHeaders().add(Origin.EPOCH_HEADER, "9223372036854775807".getBytes(UTF_8))));

    assertThat(h.dispatcher.take(p -> true))
        .extracting(p -> p.request().runId().value() + "@" + p.leaseEpoch(aside.epoch))
        .as("an epoch no lease reaches is not taken")
        .containsExactly("a@83", "r@83", "forged@3");
  }

  /** A record read at {@code offset} of {@code tp}, with {@code headers}. */
  private static ConsumerRecord<byte[], byte[]> read(
      TopicPartition tp, long offset, byte[] key, byte[] value, Headers headers) {
    return new ConsumerRecord<>(
        tp.topic(),
        tp.partition(),
        offset,
        T0_MILLIS,
        TimestampType.CREATE_TIME,
        key.length,
        value.length,
        key,
        value,
        headers,
        Optional.empty());
  }
}
