package io.jobline.executor;

import io.jobline.job.JobDefinition;
import io.jobline.wire.JobRequest;
import java.time.Instant;
import org.apache.kafka.common.TopicPartition;

/**
 * A request accepted from Kafka and waiting for a slot: where it came from, the callback that
 * finishes its offset, when it may start, and the fencing token it runs under — the epoch of its
 * partition's lease, or with {@code claimEpoch > 0}, a claim of its own (a run handed over between
 * executors). {@code elsewhere} names the claim of a run still going at the partition's previous
 * owner. {@code claimKey} (run id and attempt) is made once: the dispatcher, the slots and the run
 * ask it about ten times per run, and building it each time was 2 % of a bench's CPU (JFR). {@code
 * originEpoch} is, for a request moved to the overflow lane, the lease epoch of the partition it
 * was moved from ({@link #leaseEpoch}).
 */
record Pending(
    JobDefinition job,
    JobRequest request,
    TopicPartition partition,
    long offset,
    Runnable done,
    Instant notBefore,
    String elsewhere,
    long epoch,
    long claimEpoch,
    String claimKey,
    long bytes,
    long originEpoch) {
  Pending(
      JobDefinition job,
      JobRequest request,
      TopicPartition partition,
      long offset,
      Runnable done,
      Instant notBefore,
      String elsewhere,
      long epoch,
      long claimEpoch) {
    this(job, request, partition, offset, done, notBefore, elsewhere, epoch, claimEpoch, 0L);
  }

  /** A request read, of {@code bytes} as read (what its tenant's share of the lane counts). */
  Pending(
      JobDefinition job,
      JobRequest request,
      TopicPartition partition,
      long offset,
      Runnable done,
      Instant notBefore,
      String elsewhere,
      long epoch,
      long claimEpoch,
      long bytes) {
    this(
        job,
        request,
        partition,
        offset,
        done,
        notBefore,
        elsewhere,
        epoch,
        claimEpoch,
        request == null ? null : claimKey(request.runId().value(), request.attemptOrFirst()),
        bytes,
        0L);
  }

  /** The claim key of a run attempt: its run id and attempt. */
  static String claimKey(String runId, long attempt) {
    return runId + ":" + attempt;
  }

  String tenantKey() {
    return request.partitionKey();
  }

  Pending later(Instant when) {
    return new Pending(
        job,
        request,
        partition,
        offset,
        done,
        when,
        elsewhere,
        epoch,
        claimEpoch,
        claimKey,
        bytes,
        originEpoch);
  }

  Pending withEpoch(long e) {
    return new Pending(
        job,
        request,
        partition,
        offset,
        done,
        notBefore,
        elsewhere,
        e,
        claimEpoch,
        claimKey,
        bytes,
        originEpoch);
  }

  /**
   * To wait on the claim {@code claim} before it runs (the run's claim, lost while it ran here): no
   * claim of its own until then.
   */
  Pending withElsewhere(String claim) {
    return new Pending(
        job, request, partition, offset, done, null, claim, epoch, 0, claimKey, bytes, originEpoch);
  }

  /** To run under a claim of its own, with fencing token {@code e}. */
  Pending claimed(long e, long claim) {
    return new Pending(
        job, request, partition, offset, done, null, null, e, claim, claimKey, bytes, originEpoch);
  }

  /** Moved from a partition whose lease had epoch {@code e} when it was moved. */
  Pending movedUnder(long e) {
    return new Pending(
        job,
        request,
        partition,
        offset,
        done,
        notBefore,
        elsewhere,
        epoch,
        claimEpoch,
        claimKey,
        bytes,
        e);
  }

  /**
   * The fencing token of a run started on a partition leased under {@code partitionEpoch}: that
   * epoch, plus, for a request moved to the overflow lane, its origin partition's. Each partition
   * counts its epochs apart, and an attempt that ran in the main lane under one epoch (its start
   * sent, its run then void: its executor died, or the commit was refused) and was moved when read
   * again ran under the overflow partition's lower one, whose events history took for a fenced
   * execution's: the run showed running for good (found by review). The origin's epoch is at least
   * the one the attempt ran under there, and the sum grows with a new lease of either partition.
   */
  long leaseEpoch(long partitionEpoch) {
    return partitionEpoch + originEpoch;
  }
}
