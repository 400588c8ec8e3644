package io.jobline.wire;

import io.jobline.job.JoblineException;

/**
 * The root of the exceptions {@code shared} throws: a cron expression, a run's move, a record on
 * Kafka or in a store could not be handled as asked. Its subclasses carry the ids involved as
 * getters. Where {@code shared} continues an SDK package it throws the SDK's exception instead
 * (e.g. {@code JobException} from the job registry).
 */
public class SharedException extends JoblineException {
  public SharedException(String message) {
    super(message);
  }

  public SharedException(String message, Throwable cause) {
    super(message, cause);
  }
}
