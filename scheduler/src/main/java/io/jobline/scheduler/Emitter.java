package io.jobline.scheduler;

import io.jobline.topic.PreparedRequest;
import io.jobline.topic.RequestProducer;
import io.jobline.wire.JobRequest;
import io.jobline.wire.RunEvent;
import java.util.concurrent.CompletableFuture;

/** Where the scheduler's output goes: requests to run, and records of fire times that did not run. */
public interface Emitter {
  /** Sends a prepared request; the future completes once Kafka has it. */
  CompletableFuture<?> send(PreparedRequest request);

  /** Records a missed fire time. */
  void missed(RunEvent event);

  /** Serializes a request ahead of its time. */
  default PreparedRequest prepare(JobRequest request) {
    return RequestProducer.prepare(request);
  }

  /** Sends a request now. */
  default CompletableFuture<?> request(JobRequest request) {
    return send(prepare(request));
  }
}
