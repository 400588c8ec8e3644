package io.jobline.scheduler;

import io.jobline.scheduler.lease.LeaderLease;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This replica's hold on the scheduler's leader lease, taken or renewed at every cycle. When the
 * replica gains the lease the emitter is told to get ready. When the lease store fails while the
 * lease held is still valid, the replica keeps leading from memory until the lease lapses on its
 * own.
 */
final class Leadership {
  private static final Logger LOG = LoggerFactory.getLogger(Leadership.class);

  private final String id;
  private final LeaderLease lease;
  private final Emitter emitter;
  private volatile boolean leader;

  /** The epoch of the lease this replica held at its last renewal (0: none). */
  private long epoch;

  /** Whether the last renewal took the lease at an epoch this replica did not hold before it. */
  private boolean takenAnew;

  /** {@code id} names the scheduler in what is logged. */
  Leadership(String id, LeaderLease lease, Emitter emitter) {
    this.id = id;
    this.lease = lease;
    this.emitter = emitter;
  }

  /**
   * Holds or takes the lease.
   *
   * @param storeFailed told when the lease store failed but the lease held is still valid
   * @return whether this replica leads
   * @throws RuntimeException from the lease store, when this replica holds no valid lease
   */
  boolean renew(Consumer<RuntimeException> storeFailed) {
    boolean wasLeader = leader;
    takenAnew = false;
    try {
      long held = Math.max(0, lease.acquire());
      leader = held > 0;
      takenAnew = leader && held != epoch;
      epoch = held;
    } catch (RuntimeException e) {
      if (!leader || !lease.valid()) {
        throw e;
      }
      // the lease held is still good: keep firing from memory until it lapses on its own
      LOG.warn(
          "Scheduler {} cannot renew its lease ({}); it fires from memory until the lease lapses",
          id,
          e.toString());
      storeFailed.accept(e);
    }
    if (leader != wasLeader) {
      LOG.info("Scheduler {} {} the leader lease", id, leader ? "holds" : "lost");
      if (leader) {
        try {
          emitter.lead();
        } catch (RuntimeException e) {
          LOG.warn(
              "Scheduler {} could not get its Kafka producer ready; it tries again at the first fire: {}",
              id,
              e.toString());
        }
      }
    }
    return leader;
  }

  /**
   * Whether the last renewal took the lease at a new epoch: this replica did not lead just before
   * it, or another replica led in between (while this one was paused or cut off from the store),
   * and fired and recorded what this one's memory may still show due.
   */
  boolean takenAnew() {
    return takenAnew;
  }

  /** Whether this replica led at its last renewal. */
  boolean leads() {
    return leader;
  }

  /** Whether the lease is still valid by this replica's clock: it may fire. */
  boolean valid() {
    return lease.valid();
  }

  void release() {
    lease.release();
  }
}
