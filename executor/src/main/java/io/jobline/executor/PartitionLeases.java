package io.jobline.executor;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Who may execute the runs of one partition of {@code jobline.requests}: one executor at a time,
 * holding a lease with an epoch that grows with every new owner — the fencing token its runs carry.
 * An owner that loses the partition hands the lease over with a note: the offsets it finished after
 * its last commit, and the runs it still executes (each under a claim of its own), so the next
 * owner neither runs a finished request again nor starts one that still runs elsewhere.
 */
public interface PartitionLeases {
  /**
   * What an owner takes over: its epoch, and the last note an owner handed the lease over with. The
   * note stays with the lease until the next note replaces it: an owner that took it and then died,
   * or lost the partition without handing it over, wrote none, and the note read by it was all that
   * said the runs it names still went on (taking it away with the lease, the owner after that one
   * started them beside their first owner: found by review). Its offsets below where the partition
   * is read from are over; an owner drops them as it reads, and the whole note if it reads from
   * below {@code base} ({@link OwnedPartition#firstRead}).
   */
  record Taken(long epoch, Set<Long> finished, Map<Long, String> stillRunning, long base) {}

  /**
   * Takes the lease if it is free, expired, or already this owner's; empty while another holds it.
   *
   * @param anew whether the owner fenced executions of this partition since it last held it (it
   *     lost the partition, and nobody took the lease meanwhile): then even its own lease takes a
   *     new epoch, so the requests it reads again are not taken for those fenced executions
   */
  Optional<Taken> take(String partition, String owner, Instant now, Duration ttl, boolean anew);

  /** Extends the lease; false if another owner has taken it since (this owner is fenced). */
  boolean renew(String partition, String owner, long epoch, Instant now, Duration ttl);

  /**
   * Gives the lease up with a note for the next owner; {@code base} is the partition's committed
   * offset as this owner knows it (0 if it does not): a later owner reading from below it reads
   * offsets used anew (the topic made again), which the note does not name.
   */
  void handOver(
      String partition,
      String owner,
      long epoch,
      Set<Long> finished,
      Map<Long, String> stillRunning,
      long base);
}
