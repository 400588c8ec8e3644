package io.jobline.job;

/** Two {@code @Job} methods declare the same job name; names the job. */
public class DuplicateJobException extends JobException {
  private final String jobName;

  public DuplicateJobException(String jobName, String message) {
    super(message);
    this.jobName = jobName;
  }

  /** The name declared twice. */
  public String jobName() {
    return jobName;
  }
}
