package io.jobline.job;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobline.wire.RunId;

/** What a running job sees of its run, and how it reports back. Thread-safe. */
public interface JobContext {
  /** The id of this run. */
  RunId runId();

  /** The name of the job being run. */
  String jobName();

  /** The run's parameters, an empty object when none were given. */
  JsonNode params();

  /** The tenant the run acts for, or {@code null} for system work. */
  String tenantId();

  /** Adds an info line to the run's log. */
  void log(String message);

  /** Reports progress: a message and a percentage from 0 to 100. */
  void progress(String message, int percentage);

  /** True once the run has been asked to stop (timeout, cancel or shutdown); return soon. */
  boolean shouldStop();
}
