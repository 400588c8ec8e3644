package io.jobline.executor;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * A claim store that answers each claim as told, renews every claim and keeps every end recorded on
 * one (with the epoch it was recorded under).
 */
final class KeptClaims implements ClaimStore {
  private final Supplier<Claim> answer;

  /** The ends recorded on claims, as sent. */
  final List<String> ends = new CopyOnWriteArrayList<>();

  /** The epochs of the claims they were recorded on. */
  final List<Long> endedUnder = new CopyOnWriteArrayList<>();

  KeptClaims(Supplier<Claim> answer) {
    this.answer = answer;
  }

  /** One for runs already under their claims: it takes none. */
  static KeptClaims takingNone() {
    return new KeptClaims(
        () -> {
          throw new IllegalStateException("this test's runs take no claim");
        });
  }

  @Override
  public Claim claim(String key, String owner, Instant now, Duration ttl) {
    return answer.get();
  }

  @Override
  public boolean renew(String key, String owner, long epoch, Instant now, Duration ttl) {
    return true;
  }

  @Override
  public boolean finish(String key, String owner, long epoch, String terminalEvent) {
    ends.add(terminalEvent);
    endedUnder.add(epoch);
    return true;
  }

  @Override
  public void retrySet(String key) {}

  @Override
  public void release(String key, String owner, long epoch) {}
}
