package io.jobline.job;

/** A job could not be found, declared or run as asked. */
public class JobException extends JoblineException {
  public JobException(String message) {
    super(message);
  }

  public JobException(String message, Throwable cause) {
    super(message, cause);
  }
}
