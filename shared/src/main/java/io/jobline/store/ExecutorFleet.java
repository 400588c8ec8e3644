package io.jobline.store;

import java.time.Instant;
import java.util.List;

/**
 * Which executors are up, as their partition leases show: an executor renews a lease on every
 * partition of {@code jobline.requests} it holds, so one holding a lease not yet expired is up.
 * Read-only; the executors write the leases.
 */
public interface ExecutorFleet {
  /** One executor that is up: its id, the partitions it holds and when its first lease runs out. */
  record Executor(String id, List<String> partitions, Instant leaseExpiresAt) {}

  /**
   * The executors holding a lease that runs out after {@code now} (both to the millisecond), by id,
   * each with those partitions in order and the earliest of their expiries. A lease handed over (no
   * owner) or run out counts for nothing.
   */
  List<Executor> up(Instant now);
}
