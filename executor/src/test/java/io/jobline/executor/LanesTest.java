package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.topic.Topics;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import io.jobline.wire.Trigger;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class LanesTest {
  private static final TopicPartition MAIN = new TopicPartition(Topics.REQUESTS.name(), 0);
  private static final TopicPartition OVERFLOW =
      new TopicPartition(Topics.REQUESTS_OVERFLOW.name(), 0);

  private static Pending waiting(String tenant, TopicPartition tp) {
    JobRequest r =
        JobRequest.of(
            RunId.random(Clock.systemUTC()),
            "noop",
            Json.object(),
            tenant,
            null,
            null,
            Trigger.manual(),
            Instant.now(),
            "test");
    return new Pending(null, r, tp, 0, () -> {}, null, null, 0, 0, 60_000L);
  }

  @Test
  void aTenantsRequestsStayInTheMainLaneUntilItHasEnoughWaitingThenTheRestMove() {
    Lanes lanes = new Lanes(3);
    lanes.recount(List.of());
    List<Boolean> big = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      big.add(lanes.staysInMainLane("big"));
    }
    assertThat(big).containsExactly(true, true, true, false, false);
    assertThat(lanes.staysInMainLane("small"))
        .as("another tenant is not held to the big one's count")
        .isTrue();
  }

  @Test
  void aTenantsRequestsAlsoMoveOnceTheBytesWaitingReachItsShareButItsFirstAlwaysWaits() {
    Lanes lanes = new Lanes(100, 100_000, Pending::bytes);
    lanes.recount(List.of());
    assertThat(lanes.staysInMainLane("big", 150_000)).as("the first, whatever its size").isTrue();
    assertThat(lanes.staysInMainLane("big", 1)).isFalse();
    assertThat(lanes.staysInMainLane("small", 60_000)).isTrue();
    assertThat(lanes.staysInMainLane("small", 40_000)).as("exactly its share").isTrue();
    assertThat(lanes.staysInMainLane("small", 1)).isFalse();

    // what waits is weighed again at each batch: one of big's, 60,000 bytes
    lanes.recount(List.of(waiting("big", MAIN), waiting("big", OVERFLOW)));
    assertThat(lanes.staysInMainLane("big", 40_000)).isTrue();
    assertThat(lanes.staysInMainLane("big", 1)).isFalse();
  }

  @Test
  void theCountsComeFromWhatWaitsInTheMainLaneAtEachBatch() {
    Lanes lanes = new Lanes(2);
    lanes.recount(List.of(waiting("big", MAIN), waiting("big", MAIN), waiting("big", OVERFLOW)));
    assertThat(lanes.staysInMainLane("big")).isFalse();
    // two of them started since: the next batch counts again
    lanes.recount(List.of(waiting("big", OVERFLOW), waiting("big", OVERFLOW)));
    assertThat(lanes.staysInMainLane("big"))
        .as("what waits in the overflow lane does not count")
        .isTrue();
  }

  @Test
  void aTenantsWaitingRequestsAreMovedOnceABatchNotWithEveryRecord() {
    Lanes lanes = new Lanes(1);
    lanes.recount(List.of());
    assertThat(lanes.firstMoveSinceRecount("big")).isTrue();
    assertThat(lanes.firstMoveSinceRecount("big")).isFalse();
    assertThat(lanes.firstMoveSinceRecount("other")).isTrue();
    lanes.recount(List.of());
    assertThat(lanes.firstMoveSinceRecount("big")).isTrue();
  }

  @Test
  void noLimitMeansOneLane() {
    Lanes lanes = new Lanes(0);
    lanes.recount(List.of(waiting("big", MAIN), waiting("big", MAIN)));
    for (int i = 0; i < 1000; i++) {
      assertThat(lanes.staysInMainLane("big")).isTrue();
    }
    assertThat(Lanes.isOverflow(OVERFLOW)).isTrue();
    assertThat(Lanes.isOverflow(MAIN)).isFalse();
  }
}
