package io.jobline.job;

/**
 * The root of the SDK's exceptions: a job, a chain or a resource could not be used as asked. The
 * roots of shared, history, scheduler and api extend it too, so one catch takes every failure
 * Jobline itself names. Its subclasses carry the ids involved as getters.
 */
public class JoblineException extends RuntimeException {
  public JoblineException(String message) {
    super(message);
  }

  public JoblineException(String message, Throwable cause) {
    super(message, cause);
  }
}
