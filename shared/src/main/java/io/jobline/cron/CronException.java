package io.jobline.cron;

/** A cron expression or timezone was rejected; the message names the field and the reason. */
public class CronException extends IllegalArgumentException {
  private final String field;
  private final String reason;

  public CronException(String field, String reason) {
    super(field + ": " + reason);
    this.field = field;
    this.reason = reason;
  }

  public String field() {
    return field;
  }

  /** Why the field was rejected, without the field's name. */
  public String reason() {
    return reason;
  }
}
