package io.jobline.scheduler.lease;

import java.time.Duration;
import java.time.Instant;

/** Named leases: one holder at a time, free once expired, with an epoch that grows per holder. */
public interface LeaseStore {
  /**
   * Takes or renews the lease for {@code owner} until {@code now + ttl}.
   *
   * @return the fencing epoch of the lease held, or -1 when another owner holds it
   */
  long tryAcquire(String key, String owner, Instant now, Duration ttl);

  /** Gives the lease up if {@code owner} holds it. */
  void release(String key, String owner);
}
