package io.jobline.scheduler;

import io.jobline.wire.JobRequest;

/** Where fired requests go; returns once the request is durably accepted. */
@FunctionalInterface
public interface RequestSink {
  void send(JobRequest request);
}
