package io.jobline.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Each caller's share of the requests topic's search, on a clock moved by hand. */
class SearchSharesTest {
  private long now = 1_000_000_000L;
  private final SearchShares shares = new SearchShares(Duration.ofSeconds(3), 0.25, () -> now);

  private static long seconds(double s) {
    return (long) (s * TimeUnit.SECONDS.toNanos(1));
  }

  @Test
  void aCallerHasOneSearchAtATimeWhileItOwesThenAQuarterOfTheTime() {
    assertThat(shares.take("a")).as("a first search").isZero();
    // found by review: checked first and charged at the end, every request that came during a
    // caller's search went on
    assertThat(shares.take("a")).as("another while the first is under way").isPositive();
    shares.took("a", seconds(1)); // what it did not use comes back
    assertThat(shares.left("a")).isEqualTo(seconds(2));

    assertThat(shares.take("a")).isZero();
    shares.took("a", seconds(3)); // a search at its longest: 1 s owed
    assertThat(shares.take("a")).as("1 s owed at a quarter").isEqualTo(seconds(4) + 4);
    now += seconds(4);
    assertThat(shares.take("a")).as("(at 0 exactly: nothing left yet)").isPositive();
    now += 4;
    assertThat(shares.take("a")).isZero();
  }

  @Test
  void oneCallersSearchesTakeNothingOfAnothersShare() {
    shares.take("a");
    shares.took("a", seconds(3));
    assertThat(shares.take("a")).isPositive();
    assertThat(shares.take("b")).isZero();
  }

  @Test
  void aSearchThatReadNothingCostsNothing() {
    assertThat(shares.take("a")).isZero();
    shares.took("a", 0); // Kafka could not be read: no caller's doing
    assertThat(shares.left("a")).isEqualTo(seconds(3));
  }

  @Test
  void aCallerIsForgottenOnceItsShareIsFullAgainNotBefore() {
    shares.take("a");
    shares.took("a", seconds(1)); // 2 s left
    now += seconds(60); // the next sweep: a full again
    shares.take("c");
    assertThat(shares.callers()).as("c only").isEqualTo(1);
    shares.took("c", seconds(3)); // nothing left

    now += seconds(50);
    shares.take("c");
    shares.took("c", seconds(3)); // nothing left again
    now += seconds(10); // the next sweep: c has 2.5 s of its 3 s back
    shares.take("d");
    assertThat(shares.callers()).as("c, not full yet, and d").isEqualTo(2);
  }
}
