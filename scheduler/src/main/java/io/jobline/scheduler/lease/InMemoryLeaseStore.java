package io.jobline.scheduler.lease;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/** {@link LeaseStore} in memory, for logic tests (shared by the replicas under test). */
public final class InMemoryLeaseStore implements LeaseStore {
  private record Lease(String owner, Instant expiresAt, long epoch) {}

  private final Map<String, Lease> leases = new HashMap<>();

  @Override
  public synchronized long tryAcquire(String key, String owner, Instant now, Duration ttl) {
    Lease current = leases.get(key);
    if (current != null && current.owner().equals(owner) && current.expiresAt().isAfter(now)) {
      leases.put(key, new Lease(owner, now.plus(ttl), current.epoch()));
      return current.epoch();
    }
    if (current == null || !current.expiresAt().isAfter(now)) {
      long epoch = current == null ? 1 : current.epoch() + 1;
      leases.put(key, new Lease(owner, now.plus(ttl), epoch));
      return epoch;
    }
    return -1;
  }

  @Override
  public synchronized void release(String key, String owner) {
    Lease current = leases.get(key);
    if (current != null && current.owner().equals(owner)) {
      leases.put(key, new Lease(owner, Instant.EPOCH, current.epoch()));
    }
  }
}
