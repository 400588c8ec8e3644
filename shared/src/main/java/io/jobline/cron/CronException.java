package io.jobline.cron;

/** A cron expression or timezone was rejected; the message names the field and the reason. */
public class CronException extends IllegalArgumentException {
  private final String field;

  public CronException(String field, String message) {
    super(field + ": " + message);
    this.field = field;
  }

  public String field() {
    return field;
  }
}
