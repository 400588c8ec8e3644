package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OverflowPaceTest {
  private static final long MS = 1_000_000L;

  /** Starts allowed over one second at a steady tick of 1 ms. */
  private static int startsInASecond(OverflowPace pace, long[] now) {
    int n = 0;
    for (int i = 0; i < 1000; i++) {
      now[0] += MS;
      if (pace.tryStart(now[0])) {
        n++;
      }
    }
    return n;
  }

  @Test
  void whileTheMainLaneWaitsTooLongThePaceHalvesEachWindowDownToTheFloor() {
    long[] now = {0};
    OverflowPace pace = new OverflowPace(200, 20, 1000, now[0]);
    assertThat(pace.perSecond()).isEqualTo(1000);
    for (int w = 0; w < 10; w++) {
      pace.mainStarted(900, now[0]);
      now[0] += OverflowPace.WINDOW_NANOS;
      pace.tryStart(now[0]);
    }
    assertThat(pace.perSecond()).isEqualTo(20);
    assertThat(startsInASecond(pace, now)).as("starts at the floor").isBetween(18, 23);
  }

  @Test
  void whenTheMainLaneIsServedInTimeThePaceGrowsBackToTheCeiling() {
    long[] now = {0};
    OverflowPace pace = new OverflowPace(200, 20, 1000, now[0]);
    for (int w = 0; w < 10; w++) {
      pace.mainStarted(900, now[0]);
      now[0] += OverflowPace.WINDOW_NANOS;
      pace.tryStart(now[0]);
    }
    double low = pace.perSecond();
    pace.mainStarted(50, now[0]);
    now[0] += OverflowPace.WINDOW_NANOS;
    pace.tryStart(now[0]);
    assertThat(pace.perSecond()).isEqualTo(low * 1.25);
    for (int w = 0; w < 40; w++) {
      now[0] += OverflowPace.WINDOW_NANOS;
      pace.tryStart(now[0]);
    }
    assertThat(pace.perSecond()).isEqualTo(1000);
    assertThat(startsInASecond(pace, now)).isBetween(950, 1001);
  }

  @Test
  void oneSlowStartInAWindowIsEnoughToSlowDownButAnEmptyWindowIsNot() {
    long[] now = {0};
    OverflowPace pace = new OverflowPace(200, 10, 800, now[0]);
    pace.mainStarted(10, now[0]);
    pace.mainStarted(201, now[0] + MS);
    pace.mainStarted(10, now[0] + 2 * MS);
    now[0] += OverflowPace.WINDOW_NANOS;
    pace.tryStart(now[0]);
    assertThat(pace.perSecond()).isEqualTo(400);
    now[0] += OverflowPace.WINDOW_NANOS;
    pace.tryStart(now[0]);
    assertThat(pace.perSecond()).as("no main-lane start: nothing waits").isEqualTo(500);
  }
}
