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
  void aCallerMaySearchItsBurstAtOnceThenAQuarterOfTheTime() {
    assertThat(shares.waitNanos("a")).as("never searched").isZero();
    shares.took("a", seconds(3)); // one search at its longest: the burst, all of it
    shares.took("a", seconds(3)); // another already under way
    assertThat(shares.waitNanos("a")).as("3 s owed at a quarter").isEqualTo(seconds(12) + 4);

    now += seconds(11);
    assertThat(shares.waitNanos("a")).isPositive();
    now += seconds(1);
    assertThat(shares.waitNanos("a")).isPositive(); // (at 0 exactly: nothing left yet)
    now += 4;
    assertThat(shares.waitNanos("a")).isZero();
  }

  @Test
  void oneCallersSearchesTakeNothingOfAnothersShare() {
    shares.took("a", seconds(10));
    assertThat(shares.waitNanos("a")).isPositive();
    assertThat(shares.waitNanos("b")).isZero();
    shares.took("b", seconds(1));
    assertThat(shares.waitNanos("b")).isZero();
  }

  @Test
  void aCallerIsForgottenOnceItsShareIsFullAgainNotBefore() {
    shares.took("a", seconds(1));
    shares.took("b", seconds(30));
    now += TimeUnit.MINUTES.toNanos(1); // a full again; b still owes
    assertThat(shares.waitNanos("c")).isZero();
    assertThat(shares.callers()).isEqualTo(1);
    assertThat(shares.waitNanos("b")).isPositive();
  }
}
