package io.jobline.executor;

/**
 * How fast the overflow lane may start runs: as fast as the main lane can bear. Every window the
 * longest wait of a main-lane run that started in it (from its request to its start) is compared
 * with the target: over it, the pace halves (down to a floor); within it, it grows by a quarter (up
 * to a ceiling). Starts are paid for from a bucket filled at the pace. Time comes in as nanoseconds
 * from the caller, so tests drive it without a clock. Used by the dispatcher thread only.
 */
final class OverflowPace {
  static final long WINDOW_NANOS = 500_000_000L;

  private final long targetMillis;
  private final double floor;
  private final double ceiling;
  private double perSecond;
  private double tokens;
  private long lastFill;
  private long windowStart;
  private long worstWaitMillis;

  /** Overflow-lane starts per second an executor never goes below. */
  static final double FLOOR = 50;

  /** Overflow-lane starts per second an executor never goes above. */
  static final double CEILING = 100_000;

  /** The pace an executor keeps for a target wait of the main lane. */
  static OverflowPace forTarget(long targetMillis, long nowNanos) {
    return new OverflowPace(targetMillis, FLOOR, CEILING, nowNanos);
  }

  /**
   * @param targetMillis the main lane's longest wait this pace keeps to
   * @param floor overflow-lane starts per second it never goes below
   * @param ceiling starts per second it never goes above
   */
  OverflowPace(long targetMillis, double floor, double ceiling, long nowNanos) {
    this.targetMillis = targetMillis;
    this.floor = floor;
    this.ceiling = ceiling;
    this.perSecond = ceiling;
    this.tokens = 1;
    this.lastFill = nowNanos;
    this.windowStart = nowNanos;
  }

  /** A run of the main lane started after waiting this long since it was requested. */
  void mainStarted(long waitedMillis, long nowNanos) {
    roll(nowNanos);
    worstWaitMillis = Math.max(worstWaitMillis, waitedMillis);
  }

  /** Whether an overflow-lane run may start now (if so, it is paid for). */
  boolean tryStart(long nowNanos) {
    roll(nowNanos);
    double burst = Math.max(1, perSecond / 10);
    tokens = Math.min(burst, tokens + (nowNanos - lastFill) / 1e9 * perSecond);
    lastFill = nowNanos;
    if (tokens < 1) {
      return false;
    }
    tokens -= 1;
    return true;
  }

  double perSecond() {
    return perSecond;
  }

  private void roll(long nowNanos) {
    if (nowNanos - windowStart < WINDOW_NANOS) {
      return;
    }
    perSecond =
        worstWaitMillis > targetMillis
            ? Math.max(floor, perSecond / 2)
            : Math.min(ceiling, perSecond * 1.25);
    worstWaitMillis = 0;
    windowStart = nowNanos;
  }
}
