package io.jobline.executor;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Exponential retry backoff with "equal jitter": half the delay fixed, half random. */
final class Backoff {
  private Backoff() {}

  /** The delay before attempt {@code failedAttempt + 1}. */
  static Duration delay(int failedAttempt, Duration base, Duration cap) {
    long exp = base.toMillis() << Math.min(20, Math.max(0, failedAttempt - 1));
    long capped = Math.min(cap.toMillis(), exp <= 0 ? cap.toMillis() : exp);
    long half = capped / 2;
    return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(half + 1));
  }
}
