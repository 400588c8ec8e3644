package io.jobline.executor;

import io.jobline.job.JobDefinition;
import io.jobline.wire.JobRequest;
import java.time.Instant;
import org.apache.kafka.common.TopicPartition;

/** A request accepted from Kafka and waiting for a slot, with the callback that finishes its offset. */
record Pending(JobDefinition job, JobRequest request, TopicPartition partition, Runnable done, Instant notBefore) {
  String tenantKey() {
    return request.partitionKey();
  }

  String claimKey() {
    return request.runId().value() + ":" + request.attemptOrFirst();
  }

  Pending later(Instant when) {
    return new Pending(job, request, partition, done, when);
  }
}
