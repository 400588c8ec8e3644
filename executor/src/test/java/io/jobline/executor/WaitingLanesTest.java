package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jobline.topic.Topics;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import io.jobline.wire.Trigger;
import java.time.Instant;
import java.util.Iterator;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The waiting requests' count of copies per run attempt follows every way in and out. */
class WaitingLanesTest {
  private static final TopicPartition MAIN = new TopicPartition(Topics.REQUESTS.name(), 0);
  private static final TopicPartition OVERFLOW =
      new TopicPartition(Topics.REQUESTS_OVERFLOW.name(), 0);

  private static Pending pending(TopicPartition tp, long offset, String runId) {
    JobRequest r =
        JobRequest.of(
            RunId.of(runId),
            "j",
            Json.object(),
            "t1",
            null,
            null,
            Trigger.manual(),
            Instant.EPOCH,
            "t");
    return new Pending(null, r, tp, offset, () -> {}, null, null, 0, 0, 100);
  }

  @Test
  void copiesAreCountedAcrossLanesAndUncountedHoweverTheyLeave() {
    WaitingLanes w = new WaitingLanes();
    w.add(pending(MAIN, 0, "a"), false);
    w.add(pending(OVERFLOW, 0, "a"), false);
    w.add(pending(MAIN, 1, "b"), true);
    assertThat(w.copies("a:1")).isEqualTo(2);
    assertThat(w.copiesInMain("a:1")).isEqualTo(1);
    assertThat(w.lane(false)).extracting(Pending::offset).containsExactly(1L, 0L);

    Iterator<Pending> it = w.iterator(true);
    it.next();
    it.remove();
    assertThat(w.copies("a:1")).isEqualTo(1);
    assertThat(w.lane(true)).isEmpty();

    assertThat(w.removeIf(p -> p.offset() == 1)).extracting(Pending::offset).containsExactly(1L);
    assertThat(w.copies("b:1")).isZero();
    assertThat(w.copiesInMain("b:1")).isZero();
    assertThat(w.copies("a:1")).isEqualTo(1);
    assertThat(w.copies(null)).isZero();

    w.removeIf(p -> true);
    assertThat(w.copies("a:1")).isZero();
    assertThat(w.copiesInMain("a:1")).isZero();
    assertThat(w.lane(false)).isEmpty();
  }

  @Test
  void aSelectionThatThrowsLeavesLanesAndCountsAsTheyWere() {
    WaitingLanes w = new WaitingLanes();
    w.add(pending(MAIN, 0, "a"), false);
    w.add(pending(MAIN, 1, "b"), false);

    assertThatThrownBy(
            () ->
                w.removeIf(
                    p -> {
                      if (p.offset() == 1) {
                        throw new IllegalStateException("x");
                      }
                      return true;
                    }))
        .isInstanceOf(IllegalStateException.class);

    assertThat(w.lane(false)).hasSize(2);
    assertThat(w.copies("a:1")).isEqualTo(1);
    assertThat(w.copiesInMain("a:1")).isEqualTo(1);
  }
}
