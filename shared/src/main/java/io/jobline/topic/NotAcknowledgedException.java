package io.jobline.topic;

import io.jobline.wire.RunId;
import io.jobline.wire.SharedException;

/**
 * Kafka did not take a record of a run (its request or one of its events) in time, or the wait was
 * interrupted; names the run. The cause is Kafka's error, which tells whether Kafka was
 * unavailable.
 */
public class NotAcknowledgedException extends SharedException {
  private final RunId runId;

  public NotAcknowledgedException(RunId runId, String message, Throwable cause) {
    super(message, cause);
    this.runId = runId;
  }

  /** The run whose record Kafka did not take. */
  public RunId runId() {
    return runId;
  }
}
