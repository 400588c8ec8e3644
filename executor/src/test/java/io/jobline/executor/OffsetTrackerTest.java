package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.topic.FinishedOffsets;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class OffsetTrackerTest {
  private static final TopicPartition MAIN = new TopicPartition("jobline.requests", 0);
  private static final TopicPartition OVERFLOW = new TopicPartition("jobline.requests.overflow", 0);

  @Test
  void theCommittedOffsetIsTheFirstUnfinishedAndTheFinishedOnesAboveItGoInTheMetadata() {
    OffsetTracker t = new OffsetTracker();
    for (long o = 10; o < 15; o++) {
      t.taken(MAIN, o);
    }
    t.finished(MAIN, 10);
    t.finished(MAIN, 12);
    t.finished(MAIN, 14);
    OffsetAndMetadata at = t.committable(Set.of(MAIN)).get(MAIN);
    assertThat(at.offset()).isEqualTo(11);
    assertThat(FinishedOffsets.decode(at.offset(), at.metadata()))
        .containsExactlyInAnyOrder(12L, 14L);
    t.markCommitted(Map.of(MAIN, at));
    assertThat(t.committable(Set.of(MAIN))).as("nothing moved since").isEmpty();
    t.finished(MAIN, 11);
    t.finished(MAIN, 13);
    assertThat(t.committable(Set.of(MAIN)).get(MAIN).offset()).isEqualTo(15);
  }

  @Test
  void theBytesInFlightAreCountedPerTopicUntilFinishedForgottenOrReadAgain() {
    OffsetTracker t = new OffsetTracker();
    t.taken(MAIN, 0, 100_000);
    t.taken(MAIN, 1, 50_000);
    t.taken(OVERFLOW, 0, 7);
    t.taken(MAIN, 2); // (a record skipped at once weighs nothing)
    assertThat(t.inFlightBytes(MAIN.topic())).isEqualTo(150_000);
    assertThat(t.inFlightBytes(OVERFLOW.topic())).isEqualTo(7);

    t.finished(MAIN, 0);
    t.finished(MAIN, 0); // (twice: counted once)
    assertThat(t.inFlightBytes(MAIN.topic())).isEqualTo(50_000);

    TopicPartition other = new TopicPartition(MAIN.topic(), 1);
    t.taken(other, 5, 1_000);
    t.forget(MAIN); // no longer owned: its records will be read again elsewhere
    assertThat(t.inFlightBytes(MAIN.topic())).isEqualTo(1_000);
    t.readFrom(other, 5, Set.of()); // read again after an abort
    assertThat(t.inFlightBytes(MAIN.topic())).isZero();
    assertThat(t.inFlight(MAIN.topic())).isZero();
    assertThat(t.inFlightBytes(OVERFLOW.topic())).isEqualTo(7);
  }

  @Test
  void theSpanIsHowFarPastItsFirstUnfinishedOffsetAPartitionWasRead() {
    // an unfinished request at the head while 30,000 after it finished (moved to the overflow
    // lane): past FinishedOffsets.MAX_SPAN the metadata could not say they finished, so reading
    // must stop first
    OffsetTracker t = new OffsetTracker();
    t.taken(MAIN, 100);
    for (long o = 101; o < 30_101; o++) {
      t.taken(MAIN, o);
      t.finished(MAIN, o);
    }
    assertThat(t.span(MAIN)).isEqualTo(30_001);
    assertThat(t.span(MAIN)).isGreaterThan(FinishedOffsets.MAX_SPAN);
    t.finished(MAIN, 100);
    assertThat(t.span(MAIN)).as("nothing unfinished").isZero();
  }

  @Test
  void inFlightIsCountedPerLane() {
    OffsetTracker t = new OffsetTracker();
    t.taken(MAIN, 1);
    t.taken(MAIN, 2);
    t.taken(OVERFLOW, 1);
    assertThat(t.inFlight("jobline.requests")).isEqualTo(2);
    assertThat(t.inFlight("jobline.requests.overflow")).isEqualTo(1);
    t.forget(MAIN);
    assertThat(t.inFlight("jobline.requests")).isZero();
    assertThat(t.inFlight()).isEqualTo(1);
  }

  @Test
  void requestsWaitingToMoveHoldTheCommitBackButAreNotInFlight() {
    OffsetTracker t = new OffsetTracker(FinishedOffsets.maxSpan(65_536));
    t.taken(MAIN, 0);
    t.finished(MAIN, 0);
    for (long o = 1; o <= 50_000; o++) {
      t.deferred(MAIN, o); // a tenant's burst, read past
    }
    t.taken(MAIN, 50_001); // another tenant's request behind it, started and ended
    t.finished(MAIN, 50_001);
    assertThat(t.inFlight("jobline.requests")).isZero();
    OffsetAndMetadata at = t.committable(Set.of(MAIN)).get(MAIN);
    assertThat(at.offset()).as("the first request not yet moved").isEqualTo(1);
    assertThat(FinishedOffsets.decode(at.offset(), at.metadata()))
        .as("beyond Kafka's default span, within this broker's")
        .containsExactly(50_001L);
    for (long o = 1; o <= 49_999; o++) {
      t.moved(MAIN, o);
    }
    assertThat(t.committable(Set.of(MAIN)).get(MAIN).offset()).isEqualTo(50_000);
    t.taken(MAIN, 50_002);
    t.forget(MAIN);
    assertThat(t.inFlight("jobline.requests")).as("forgetting counts only taken ones").isZero();
    assertThat(t.inFlight()).isZero();
  }

  /**
   * After an aborted transaction the partition is read again from its commit, but a run that ended
   * before the abort may have its end still waiting to go out. When it goes, its offset must be
   * committed as finished with it (and skipped when read), not later with a copy of the request: a
   * later commit can fail while the partition moves, and the next owner would run it again.
   */
  @Test
  void anOffsetFinishedBeforeItIsReadAgainIsCommittedWithItsEndAndSkippedWhenRead() {
    OffsetTracker t = new OffsetTracker();
    for (long o = 100; o < 110; o++) {
      t.taken(MAIN, o);
    }
    t.finished(MAIN, 100);
    // the transaction aborted; read again from the commit, 100 and 101 having run here
    t.readFrom(MAIN, 100, Set.of(100L, 101L));
    assertThat(t.inFlight()).isZero();
    assertThat(t.readAgain(MAIN, 101)).as("a copy of a run here").isTrue();
    assertThat(t.readAgain(MAIN, 102)).as("never started here: may move aside").isFalse();
    t.finished(MAIN, 105); // an end that waited in the outbox goes out now
    OffsetAndMetadata at = t.committable(Set.of(MAIN)).get(MAIN);
    assertThat(at.offset()).isEqualTo(100);
    assertThat(FinishedOffsets.decode(at.offset(), at.metadata())).containsExactly(105L);
    assertThat(t.finishedAhead(MAIN, 105)).isTrue();
    assertThat(t.finishedAhead(MAIN, 104)).isFalse();
    // offsets below where reading starts again were finished before: they are not ahead
    t.finished(MAIN, 99);
    assertThat(t.finishedAhead(MAIN, 99)).isFalse();
    // a partition not read here is not finished ahead
    t.finished(OVERFLOW, 7);
    assertThat(t.finishedAhead(OVERFLOW, 7)).isFalse();
    assertThat(t.committable(Set.of(MAIN, OVERFLOW))).doesNotContainKey(OVERFLOW);
  }

  /**
   * Offsets the commit (or the previous owner's note) says finished, still to be read and skipped,
   * stay in the commit's metadata until read: a commit from the first records read must not drop
   * them, or the next owner would run them again.
   */
  @Test
  void offsetsStillToBeSkippedStayInTheCommit() {
    OffsetTracker t = new OffsetTracker();
    t.readFrom(MAIN, 100, Set.of());
    t.taken(MAIN, 100);
    t.finished(MAIN, 100);
    OffsetAndMetadata at = t.committable(Set.of(MAIN), tp -> Set.of(50L, 140L, 150L)).get(MAIN);
    assertThat(at.offset()).isEqualTo(101);
    assertThat(FinishedOffsets.decode(at.offset(), at.metadata()))
        .containsExactlyInAnyOrder(140L, 150L);
  }
}
