package io.jobline.history;

/**
 * A history rebuild stopped before it replayed every record: its Kafka Streams app failed (the
 * target store is down, say). The cause is what failed first, at its root.
 */
public class RebuildFailedException extends HistoryException {
  public RebuildFailedException(String reason, Throwable cause) {
    super(
        "rebuild stopped: "
            + reason
            + "; the database holds what it wrote so far — drop it, fix the cause and run it"
            + " again",
        cause);
  }
}
