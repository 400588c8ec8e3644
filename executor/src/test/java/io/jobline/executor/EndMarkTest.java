package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
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

  @Test
  void aMarkTellsWhereItsRequestWasReadWithoutKeepingTheRequest() {
    Pending ended = copy(41);
    EndMark mark = new EndMark(ended);
    assertThat(mark.partition()).isEqualTo(new TopicPartition("jobline.requests", 0));
    assertThat(mark.offset()).isEqualTo(41L);
    // the dispatcher keeps the last 50,000 marks: a mark holding its request kept every ended
    // request of a burst alive (class histogram mid-burst: 50,554 requests, 1,280 without)
    WeakReference<Pending> request = new WeakReference<>(ended);
    ended = null;
    Awaitility.await()
        .atMost(10, TimeUnit.SECONDS)
        .until(
            () -> {
              System.gc();
              return request.get() == null;
            });
    assertThat(mark.offset()).isEqualTo(41L);
  }
}
