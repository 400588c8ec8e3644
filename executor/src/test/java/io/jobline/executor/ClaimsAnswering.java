package io.jobline.executor;

import java.time.Duration;
import java.time.Instant;
import java.util.function.IntFunction;

/**
 * A claim store for tests that answers each claim as told (by the claim's number, from 0) and
 * renews, finishes and releases nothing.
 */
final class ClaimsAnswering implements ClaimStore {
  private final IntFunction<Claim> answer;
  private int claims;

  ClaimsAnswering(IntFunction<Claim> answer) {
    this.answer = answer;
  }

  @Override
  public Claim claim(String key, String owner, Instant now, Duration ttl) {
    return answer.apply(claims++);
  }

  @Override
  public boolean renew(String key, String owner, long epoch, Instant now, Duration ttl) {
    return false;
  }

  @Override
  public boolean finish(String key, String owner, long epoch, String terminalEvent) {
    return false;
  }

  @Override
  public void retrySet(String key) {}

  @Override
  public void release(String key, String owner, long epoch) {}
}
