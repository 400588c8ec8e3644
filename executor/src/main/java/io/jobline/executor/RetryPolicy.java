package io.jobline.executor;

import io.jobline.job.JobDescriptor;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Random;
import java.util.random.RandomGenerator;

/**
 * Whether an ended attempt runs again, and when: the one place Jobline decides a retry.
 *
 * <p>A failed or timed-out attempt runs again while attempts are left: the request's {@code
 * max_attempts}, else the job's default. Attempt <i>n</i> waits about {@code base × 2^(n−1)},
 * capped ({@link Backoff}); the request's {@code retry_backoff_seconds} and {@code
 * retry_backoff_cap_seconds} override the executor's {@code retryBackoff} and {@code
 * retryBackoffCap}. A completed or cancelled attempt never runs again. Pure: time and randomness
 * come in, a decision goes out.
 */
final class RetryPolicy {
  /**
   * Attempt {@code next} of the run is due at {@code due}; the run has {@code maxAttempts} in all.
   */
  record Retry(JobRequest next, Instant due, int maxAttempts) {}

  private static final RandomGenerator JITTER = new Random();

  private final Duration base;
  private final Duration cap;
  private final RandomGenerator random;

  RetryPolicy(Duration base, Duration cap, RandomGenerator random) {
    this.base = base;
    this.cap = cap;
    this.random = random;
  }

  /** The executor's policy; its jitter comes from one thread-safe generator shared by all runs. */
  static RetryPolicy of(ExecutorSettings settings) {
    return new RetryPolicy(
        Duration.ofMillis(settings.retryBackoff.toMilliseconds()),
        Duration.ofMillis(settings.retryBackoffCap.toMilliseconds()),
        JITTER);
  }

  /** The retry of an attempt that ended as {@code outcome} at {@code endedAt}, if it gets one. */
  Optional<Retry> after(JobRequest request, JobDescriptor job, EventType outcome, Instant endedAt) {
    if (outcome != EventType.FAILED && outcome != EventType.TIMED_OUT) {
      return Optional.empty();
    }
    int max = maxAttempts(request, job);
    if (request.attemptOrFirst() >= max) {
      return Optional.empty();
    }
    Duration b =
        request.retryBackoffSeconds() != null
            ? Duration.ofSeconds(request.retryBackoffSeconds())
            : base;
    Duration c =
        request.retryBackoffCapSeconds() != null
            ? Duration.ofSeconds(request.retryBackoffCapSeconds())
            : cap;
    Instant due = endedAt.plus(Backoff.delay(request.attemptOrFirst(), b, c, random));
    return Optional.of(new Retry(request.nextAttempt(max, due), due, max));
  }

  /** Attempts a run gets in all: the request's {@code max_attempts}, else the job's default. */
  static int maxAttempts(JobRequest request, JobDescriptor job) {
    return request.maxAttempts() != null ? request.maxAttempts() : job.defaultMaxAttempts();
  }
}
