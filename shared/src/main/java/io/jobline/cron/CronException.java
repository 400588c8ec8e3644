package io.jobline.cron;

import io.jobline.wire.SharedException;

/**
 * A cron expression, timezone or trigger setting was rejected; the message names the field and the
 * reason. It was an {@link IllegalArgumentException} before it joined {@link SharedException}; code
 * that validates triggers catches it by name.
 */
public class CronException extends SharedException {
  private final String field;
  private final String reason;

  public CronException(String field, String reason) {
    super(field + ": " + reason);
    this.field = field;
    this.reason = reason;
  }

  /** The schedule field at fault, e.g. {@code cron_expression} or {@code timezone}. */
  public String field() {
    return field;
  }

  /** Why the field was rejected, without the field's name. */
  public String reason() {
    return reason;
  }
}
