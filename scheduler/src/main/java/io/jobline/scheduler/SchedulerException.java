package io.jobline.scheduler;

import io.jobline.job.JoblineException;

/**
 * The root of the exceptions the scheduler role throws: a fire or a chain's step could not be
 * handled as asked. Its subclasses carry the ids involved as getters.
 */
public class SchedulerException extends JoblineException {
  public SchedulerException(String message) {
    super(message);
  }

  public SchedulerException(String message, Throwable cause) {
    super(message, cause);
  }
}
