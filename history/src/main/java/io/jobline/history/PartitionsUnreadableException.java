package io.jobline.history;

import java.util.List;

/** History cannot start: the cluster did not say how many partitions its topics have. */
public class PartitionsUnreadableException extends HistoryException {
  private final List<String> topics;

  public PartitionsUnreadableException(List<String> topics, Throwable cause) {
    super(
        "history cannot start: the partitions of "
            + String.join(" and ", topics)
            + " could not be read: "
            + cause,
        cause);
    this.topics = List.copyOf(topics);
  }

  /** The topics whose partitions could not be read. */
  public List<String> topics() {
    return topics;
  }
}
