package io.jobline.executor;

import java.time.Duration;
import java.util.random.RandomGenerator;

/** Exponential retry backoff with "equal jitter": half the delay fixed, half random. */
final class Backoff {
  private Backoff() {}

  /**
   * The delay before attempt {@code failedAttempt + 1}: {@code base × 2^(failedAttempt−1)}, at most
   * {@code cap}, of which the upper half is drawn at random (so retries of many runs that failed
   * together spread out).
   */
  static Duration delay(int failedAttempt, Duration base, Duration cap, RandomGenerator random) {
    long exp = base.toMillis() << Math.min(20, Math.max(0, failedAttempt - 1));
    long capped = Math.min(cap.toMillis(), exp <= 0 ? cap.toMillis() : exp);
    long half = capped / 2;
    return Duration.ofMillis(half + random.nextLong(half + 1));
  }
}
