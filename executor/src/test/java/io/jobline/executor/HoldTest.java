package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class HoldTest {
  private static final Instant T0 = Instant.parse("2026-12-02T03:00:00Z");

  @Test
  void aHoldIsValidUntilItsEndAndLapsedFromThenOn() {
    Hold hold = new Hold(T0.plusSeconds(9));
    assertThat(hold.lapsed(T0)).isFalse();
    assertThat(hold.lapsed(T0.plusMillis(8_999))).isFalse();
    assertThat(hold.lapsed(T0.plusSeconds(9))).isTrue();
  }

  @Test
  void aLapseIsFinalEvenForALaterLookWithAnEarlierClockOrARenewalThatCameTooLate() {
    Hold hold = new Hold(T0.plusSeconds(9));
    assertThat(hold.lapsed(T0.plusSeconds(12)))
        .isTrue(); // a run thread of a process that woke from a freeze

    // the lease keeper renewed with a time read before the freeze: too late to count
    assertThat(hold.extend(T0.plusSeconds(18))).isFalse();
    assertThat(hold.lapsed(T0.plusSeconds(1))).isTrue();
    assertThat(hold.validUntil()).isEqualTo(T0.plusSeconds(9));
  }

  @Test
  void aRenewalInTimeMovesTheEndOnButNeverBack() {
    Hold hold = new Hold(T0.plusSeconds(9));
    assertThat(hold.extend(T0.plusSeconds(12))).isTrue();
    assertThat(hold.lapsed(T0.plusSeconds(11))).isFalse();
    assertThat(hold.extend(T0.plusSeconds(10))).isTrue();
    assertThat(hold.validUntil()).isEqualTo(T0.plusSeconds(12));
  }

  @Test
  void aLeaseLostToAnotherOwnerLapsesAtOnce() {
    Hold hold = new Hold(T0.plusSeconds(9));
    hold.lapse();
    assertThat(hold.lapsed(T0)).isTrue();
    assertThat(hold.extend(T0.plusSeconds(20))).isFalse();
  }

  @Test
  void aLeaseMayBeActedOnUntilATenthOfItsTimeBeforeItsEnd() {
    assertThat(LeaseKeeper.validity(T0, Duration.ofSeconds(10))).isEqualTo(T0.plusSeconds(9));
  }
}
