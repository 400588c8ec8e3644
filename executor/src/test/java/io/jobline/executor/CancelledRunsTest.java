package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CancelledRunsTest {
  @Test
  void aCancelIsRememberedPastAHundredThousandOthers() {
    // found by review: the executor kept 100,000 cancels; a run cancelled before 100,000 more
    // were (a runaway schedule's backlog cancelled) ran when its request came
    CancelledRuns cancelled = new CancelledRuns(ControlListener.REMEMBERED, 42);
    cancelled.merge("first", 1);
    for (int i = 0; i < 250_000; i++) {
      cancelled.merge("run-" + i, 1);
    }
    assertThat(cancelled.isCancelled("first", 1)).isTrue();
    assertThat(cancelled.isCancelled("run-249999", 1)).isTrue();
    assertThat(cancelled.isCancelled("never", 1)).isFalse();
    assertThat(cancelled.size()).isEqualTo(250_001);
  }

  @Test
  void anAttemptIsCancelledUpToTheHighestAttemptACancelReached() {
    CancelledRuns cancelled = new CancelledRuns(10, 7);
    assertThat(cancelled.merge("r", 2)).isEqualTo(2);
    assertThat(cancelled.merge("r", 1)).isEqualTo(2);
    assertThat(cancelled.isCancelled("r", 1)).isTrue();
    assertThat(cancelled.isCancelled("r", 2)).isTrue();
    assertThat(cancelled.isCancelled("r", 3)).isFalse();
    assertThat(cancelled.merge("r", 3)).isEqualTo(3);
    assertThat(cancelled.isCancelled("r", 3)).isTrue();
  }

  /**
   * Against a map of strings that forgets its eldest past the same capacity, over random cancels
   * (many repeats, so removals shift probed keys back in every way), with small capacities.
   */
  @Test
  void itAgreesWithAnInsertionOrderedMapThatForgetsItsEldest() {
    Random random = new Random(11);
    for (int capacity : new int[] {1, 2, 3, 31, 32, 33, 50, 200}) {
      CancelledRuns cancelled = new CancelledRuns(capacity, random.nextLong());
      Map<String, Integer> expected =
          new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
              return size() > capacity;
            }
          };
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < capacity * 3 + 5; i++) {
        ids.add("run-" + random.nextInt(1_000_000));
      }
      for (int op = 0; op < 20_000; op++) {
        String id = ids.get(random.nextInt(ids.size()));
        int attempt = 1 + random.nextInt(4);
        int got = cancelled.merge(id, attempt);
        assertThat(got).isEqualTo(expected.merge(id, attempt, Math::max));
        assertThat(cancelled.size()).isEqualTo(expected.size());
        String probe = ids.get(random.nextInt(ids.size()));
        int probeAttempt = 1 + random.nextInt(4);
        Integer upTo = expected.get(probe);
        assertThat(cancelled.isCancelled(probe, probeAttempt))
            .as("capacity %d, op %d, %s attempt %d", capacity, op, probe, probeAttempt)
            .isEqualTo(upTo != null && probeAttempt <= upTo);
      }
    }
  }

  @Test
  void theHashDependsOnTheSeed() {
    assertThat(new CancelledRuns(1, 1).hash("r")).isNotEqualTo(new CancelledRuns(1, 2).hash("r"));
  }
}
