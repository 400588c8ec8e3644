package io.jobline.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The system clock plus an offset a test changes while the system runs: to be just before a fire
 * time, or past a lease, as time passes for a process that was frozen.
 */
public final class ShiftableClock extends Clock {
  private volatile Duration offset = Duration.ZERO;

  /** Shifts the clock so that "now" is {@code lead} before {@code target}. */
  public void setNowTo(Instant target, Duration lead) {
    offset = Duration.between(Instant.now(), target.minus(lead));
  }

  /** Moves the clock on by {@code d}. */
  public void shift(Duration d) {
    offset = offset.plus(d);
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("fixed to UTC");
  }

  @Override
  public Instant instant() {
    return Instant.now().plus(offset);
  }
}
