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
 * ask it about ten times per run, and building it each time was 2 % of a bench's CPU (JFR).
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
    long bytes) {
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
        bytes);
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
        job, request, partition, offset, done, when, elsewhere, epoch, claimEpoch, claimKey, bytes);
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
        bytes);
  }

  /**
   * To wait on the claim {@code claim} before it runs (the run's claim, lost while it ran here): no
   * claim of its own until then.
   */
  Pending withElsewhere(String claim) {
    return new Pending(
        job, request, partition, offset, done, null, claim, epoch, 0, claimKey, bytes);
  }

  /** To run under a claim of its own, with fencing token {@code e}. */
  Pending claimed(long e, long claim) {
    return new Pending(
        job, request, partition, offset, done, null, null, e, claim, claimKey, bytes);
  }
}
