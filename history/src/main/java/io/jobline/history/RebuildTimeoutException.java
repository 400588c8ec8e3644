package io.jobline.history;

import java.time.Duration;

/** A history rebuild did not replay every record in time; says how far it got. */
public class RebuildTimeoutException extends HistoryException {
  private final Duration timeout;
  private final long replayed;
  private final long total;

  public RebuildTimeoutException(Duration timeout, long replayed, long total) {
    super("rebuild did not catch up within " + timeout + " (" + replayed + " of " + total + ")");
    this.timeout = timeout;
    this.replayed = replayed;
    this.total = total;
  }

  /** How long the rebuild was given. */
  public Duration timeout() {
    return timeout;
  }

  /** How many records it had replayed. */
  public long replayed() {
    return replayed;
  }

  /** How many records there were to replay. */
  public long total() {
    return total;
  }
}
