package io.jobline.executor;

import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;

/**
 * A claim store for tests that answers each claim as told (by the claim's number, from 0) and
 * renews, finishes and releases nothing, unless told how to renew ({@link #renewing}) and to finish
 * ({@link #finishing}).
 */
final class ClaimsAnswering implements ClaimStore {
  private final IntFunction<Claim> answer;
  private int claims;
  private BooleanSupplier renewal = () -> false;
  private boolean finishes;

  ClaimsAnswering(IntFunction<Claim> answer) {
    this.answer = answer;
  }

  /** Renews as {@code renewal} answers (it may wait, as a store that stopped answering). */
  ClaimsAnswering renewing(BooleanSupplier renewal) {
    this.renewal = renewal;
    return this;
  }

  /** Records every end. */
  ClaimsAnswering finishing() {
    this.finishes = true;
    return this;
  }

  @Override
  public Claim claim(String key, String owner, Instant now, Duration ttl) {
    return answer.apply(claims++);
  }

  @Override
  public boolean renew(String key, String owner, long epoch, Instant now, Duration ttl) {
    return renewal.getAsBoolean();
  }

  @Override
  public boolean finish(String key, String owner, long epoch, String terminalEvent) {
    return finishes;
  }

  @Override
  public void retrySet(String key) {}

  @Override
  public void release(String key, String owner, long epoch) {}
}
