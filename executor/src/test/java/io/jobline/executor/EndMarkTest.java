package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class EndMarkTest {
  private final List<Long> finished = new ArrayList<>();

  private Pending copy(long offset) {
    return new Pending(
        null,
        null,
        new TopicPartition("jobline.requests", 0),
        offset,
        () -> finished.add(offset),
        null,
        null,
        0,
        0);
  }

  @Test
  void aCopyReadBeforeTheEndIsSentIsFinishedOnlyWhenItIs() {
    EndMark mark = new EndMark(copy(0));
    mark.settle(copy(7));
    assertThat(finished).as("its end is not in a transaction yet").isEmpty();
    mark.sent();
    assertThat(finished).containsExactly(7L);
    mark.settle(copy(8));
    assertThat(finished).as("once sent, a copy is finished at once").containsExactly(7L, 8L);
  }

  @Test
  void aVoidEndHandsItsWaitingCopiesBackToRunAndFinishesNone() {
    EndMark mark = new EndMark(copy(0));
    Pending waiting = copy(7);
    mark.settle(waiting);
    assertThat(mark.voided()).containsExactly(waiting);
    mark.sent();
    assertThat(finished).isEmpty();
  }
}
