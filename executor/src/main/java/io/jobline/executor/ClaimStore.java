package io.jobline.executor;

import java.time.Duration;
import java.time.Instant;

/**
 * Claims on run attempts ({@code job_claims}): at most one executor runs a (run id, attempt) at a
 * time. A claim is a lease; another executor may take it over once it has expired, with a higher
 * epoch that fences the previous holder.
 */
public interface ClaimStore {
  /** What {@link #claim} found. */
  enum Outcome {
    CLAIMED,
    HELD_ELSEWHERE,
    ALREADY_DONE
  }

  /**
   * The outcome, the epoch when claimed, when a held claim expires, and for a done attempt the
   * terminal event it ended with (JSON), so a redelivery can publish it again, and whether the
   * retry that end announced was set in {@code job_timers} ({@link #retrySet}).
   */
  record Claim(
      Outcome outcome, long epoch, Instant expiresAt, String terminalEvent, boolean retrySet) {}

  /** Claims {@code key} for {@code owner} until {@code now + ttl}. */
  Claim claim(String key, String owner, Instant now, Duration ttl);

  /**
   * Extends the lease; false when the owner no longer holds it at that epoch (it was taken over).
   */
  boolean renew(String key, String owner, long epoch, Instant now, Duration ttl);

  /** Marks the attempt done with its terminal event; false when the owner was fenced off. */
  boolean finish(String key, String owner, long epoch, String terminalEvent);

  /**
   * Notes on the done attempt that the retry its end announced is set: an executor that publishes
   * the end again sets the timer only when this note is missing (the timer may have fired and been
   * deleted since; setting it again would run the next attempt twice).
   */
  void retrySet(String key);

  /**
   * Lets the claim go at once (shutdown), so another executor can take the run over without
   * waiting.
   */
  void release(String key, String owner, long epoch);
}
