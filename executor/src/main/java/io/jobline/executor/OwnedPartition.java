package io.jobline.executor;

import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/** A partition this executor was assigned: its lease, and what the previous owners left. */
final class OwnedPartition {
  final TopicPartition tp;
  volatile boolean leased;
  volatile long epoch;

  /**
   * How long the lease may still be acted on by this executor's clock (a new one per lease taken).
   */
  volatile Hold hold = new Hold(Instant.EPOCH);

  /** Set while the partition is being handed over: nothing more starts on it. */
  volatile boolean revoking;

  /** When the lease keeper renews the lease next (lease keeper only). */
  volatile Instant renewAt = Instant.EPOCH;

  /** When the poll thread tries to take the lease again (poll thread only). */
  Instant nextTry = Instant.EPOCH;

  /** Offsets already finished (by this partition's earlier owners), never run again. */
  final Set<Long> skip = new HashSet<>();

  /** Offsets whose runs still go on at the previous owner, under these claim keys. */
  final Map<Long, String> elsewhere = new HashMap<>();

  /** The previous owner's note, kept to read the partition again after an aborted transaction. */
  final Set<Long> noteFinished = new HashSet<>();

  final Map<Long, String> noteRunning = new HashMap<>();

  OwnedPartition(TopicPartition tp) {
    this.tp = tp;
  }

  /** Whether runs may start here now: the lease is held, valid, and not being handed over. */
  boolean mayStart(Instant now) {
    return leased && !revoking && !hold.lapsed(now);
  }
}
