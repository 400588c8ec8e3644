package io.jobline.scheduler.lease;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * One replica's hold on a named leader lease (the scheduler's, the chain orchestrator's): taken or
 * renewed at each turn of its loop, and trusted by this replica's clock until a margin short of its
 * end. Past that, the replica stops acting as leader even if the store could not be asked.
 */
public final class LeaderLease {
  /** How long before the lease's end in the store this replica stops trusting it. */
  static final Duration MARGIN = Duration.ofMillis(500);

  private final LeaseStore store;
  private final String name;
  private final String holder;
  private final Duration ttl;
  private final Clock clock;
  private Instant validUntil = Instant.EPOCH;
  private long epoch;

  public LeaderLease(LeaseStore store, String name, String holder, Duration ttl, Clock clock) {
    this.store = store;
    this.name = name;
    this.holder = holder;
    this.ttl = ttl;
    this.clock = clock;
  }

  /**
   * Takes the lease if it is free or expired, or renews it if this replica holds it.
   *
   * @return the lease's epoch (a fencing token that grows with each new holder), 0 if another holds
   *     it
   * @throws RuntimeException if the store cannot be asked: the lease held stays valid until it
   *     lapses
   */
  public synchronized long acquire() {
    Instant now = clock.instant();
    epoch = Math.max(0, store.tryAcquire(name, holder, now, ttl));
    validUntil = epoch > 0 ? now.plus(ttl).minus(MARGIN) : Instant.EPOCH;
    return epoch;
  }

  /** Whether this replica may still act as leader by its own clock. */
  public synchronized boolean valid() {
    return epoch > 0 && clock.instant().isBefore(validUntil);
  }

  /** The epoch of the lease last taken or renewed (0 when another replica holds it). */
  public synchronized long epoch() {
    return epoch;
  }

  /** Gives the lease up (on a clean stop), so another replica takes it at once. */
  public void release() {
    store.release(name, holder);
  }
}
