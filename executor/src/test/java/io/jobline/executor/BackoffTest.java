package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Random;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class BackoffTest {
  private static final Duration BASE = Duration.ofSeconds(2);
  private static final Duration CAP = Duration.ofMinutes(1);

  /** A generator that always draws its lowest or its highest value. */
  private static RandomGenerator always(boolean highest) {
    return new RandomGenerator() {
      @Override
      public long nextLong() {
        return 0;
      }

      @Override
      public long nextLong(long bound) {
        return highest ? bound - 1 : 0;
      }
    };
  }

  @Test
  void eachFailedAttemptDoublesTheDelayOfWhichTheLowerHalfIsFixed() {
    assertThat(Backoff.delay(1, BASE, CAP, always(false))).isEqualTo(Duration.ofSeconds(1));
    assertThat(Backoff.delay(1, BASE, CAP, always(true))).isEqualTo(Duration.ofSeconds(2));
    assertThat(Backoff.delay(2, BASE, CAP, always(false))).isEqualTo(Duration.ofSeconds(2));
    assertThat(Backoff.delay(3, BASE, CAP, always(true))).isEqualTo(Duration.ofSeconds(8));
  }

  @Test
  void theDelayNeverPassesTheCapHoweverManyAttemptsFailed() {
    for (int attempt : new int[] {6, 7, 30, 64, 1_000, Integer.MAX_VALUE}) {
      assertThat(Backoff.delay(attempt, BASE, CAP, always(true))).isEqualTo(CAP);
      assertThat(Backoff.delay(attempt, BASE, CAP, always(false))).isEqualTo(CAP.dividedBy(2));
    }
  }

  @Test
  void runsThatFailedTogetherAreSpreadOverTheUpperHalf() {
    Random random = new Random(42);
    long lowest = Long.MAX_VALUE;
    long highest = 0;
    for (int i = 0; i < 1_000; i++) {
      long ms = Backoff.delay(4, BASE, CAP, random).toMillis(); // 16 s before jitter
      lowest = Math.min(lowest, ms);
      highest = Math.max(highest, ms);
    }
    assertThat(lowest).isBetween(8_000L, 8_500L);
    assertThat(highest).isBetween(15_500L, 16_000L);
  }

  @Test
  void anAttemptNumberBelowOneIsTreatedAsTheFirst() {
    assertThat(Backoff.delay(0, BASE, CAP, always(true))).isEqualTo(Duration.ofSeconds(2));
  }
}
