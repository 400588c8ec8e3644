package io.jobline.executor;

import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.LongPredicate;
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

  /**
   * Whether the partition waits to be read again from its last commit, which could not be read
   * (poll thread only): it is not read meanwhile, as where it stands is not known.
   */
  boolean rewindOwed;

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

  /**
   * Whether an offset was read since the lease was taken (poll thread only): the note's offsets
   * below the first are over ({@link #firstRead}).
   */
  boolean readSinceTaken;

  /** The committed offset the note's writer knew ({@link PartitionLeases#handOver}). */
  long noteBase;

  /**
   * Notes the first offset read since the lease was taken: reading starts where the partition was
   * last committed, so the note's offsets below it finished long ago (the note stays with the lease
   * until another replaces it). Dropped, they neither pass on in this owner's note nor have every
   * record read here checked for a copy of their runs.
   */
  void firstRead(long offset) {
    if (readSinceTaken) {
      return;
    }
    readSinceTaken = true;
    if (offset < noteBase) {
      // read from below the commit the note's writer knew: the offsets were used anew (the topic
      // made again), and the records the note names are gone (found by review)
      skip.removeAll(noteFinished);
      elsewhere.keySet().removeAll(noteRunning.keySet());
      noteFinished.clear();
      noteRunning.clear();
      return;
    }
    noteFinished.removeIf(o -> o < offset);
    noteRunning.keySet().removeIf(o -> o < offset);
    skip.removeIf(o -> o < offset);
    elsewhere.keySet().removeIf(o -> o < offset);
  }

  OwnedPartition(TopicPartition tp) {
    this.tp = tp;
  }

  /**
   * What the note this owner hands the partition over with says still runs: {@code own}, its runs
   * going on under claims of their own, and the runs the previous owner's note named whose offsets
   * did not finish here: their claims may still be held. (Left out, the next owner started them
   * while that owner still ran them: found by review.)
   */
  Map<Long, String> stillRunning(Map<Long, String> own, LongPredicate finishedHere) {
    Map<Long, String> out = new HashMap<>(own);
    noteRunning.forEach(
        (offset, claimKey) -> {
          if (!finishedHere.test(offset)) {
            out.putIfAbsent(offset, claimKey);
          }
        });
    return out;
  }

  /** Whether runs may start here now: the lease is held, valid, and not being handed over. */
  boolean mayStart(Instant now) {
    return leased && !revoking && !hold.lapsed(now);
  }
}
