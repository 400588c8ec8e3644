package io.jobline.store;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * {@link ExecutorFleet} in memory, for logic tests; safe to use from several threads. The test
 * gives it leases with {@link #lease}, as the executors write them to {@code job_partition_leases}
 * in production; times are kept to the millisecond, as Mongo keeps them.
 */
public final class InMemoryExecutorFleet implements ExecutorFleet {
  private record Lease(String owner, Instant expiresAt) {}

  /** The lease of each partition, by partition. */
  private final Map<String, Lease> leases = new ConcurrentSkipListMap<>();

  /**
   * Sets or replaces the lease of a partition.
   *
   * @param owner the executor holding it, or null for a lease handed over
   * @param expiresAt when it runs out
   * @return this fleet, to give it the next
   */
  public InMemoryExecutorFleet lease(String partition, String owner, Instant expiresAt) {
    leases.put(partition, new Lease(owner, expiresAt.truncatedTo(ChronoUnit.MILLIS)));
    return this;
  }

  @Override
  public List<Executor> up(Instant now) {
    Instant at = now.truncatedTo(ChronoUnit.MILLIS);
    Map<String, List<String>> partitions = new TreeMap<>();
    Map<String, Instant> expires = new TreeMap<>();
    leases.forEach(
        (partition, lease) -> {
          if (lease.owner() != null && lease.expiresAt().isAfter(at)) {
            partitions.computeIfAbsent(lease.owner(), k -> new ArrayList<>()).add(partition);
            expires.merge(lease.owner(), lease.expiresAt(), (a, b) -> a.isBefore(b) ? a : b);
          }
        });
    List<Executor> out = new ArrayList<>();
    partitions.forEach((owner, held) -> out.add(new Executor(owner, held, expires.get(owner))));
    return out;
  }
}
