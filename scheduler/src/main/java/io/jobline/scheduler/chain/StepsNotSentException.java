package io.jobline.scheduler.chain;

import io.jobline.scheduler.SchedulerException;
import io.jobline.wire.RunId;
import java.util.List;

/**
 * Kafka did not acknowledge the requests of chain steps in time, or the wait was interrupted; names
 * their runs, which are sent again on a later tick.
 */
public class StepsNotSentException extends SchedulerException {
  private final List<RunId> runIds;

  public StepsNotSentException(List<RunId> runIds, String message, Throwable cause) {
    super(message, cause);
    this.runIds = List.copyOf(runIds);
  }

  /** The runs of the steps whose requests Kafka did not acknowledge. */
  public List<RunId> runIds() {
    return runIds;
  }
}
