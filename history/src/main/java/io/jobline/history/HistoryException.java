package io.jobline.history;

import io.jobline.job.JoblineException;

/**
 * The root of the exceptions the history role throws: it could not start, or a rebuild could not
 * finish. Its subclasses carry the ids involved as getters.
 */
public class HistoryException extends JoblineException {
  public HistoryException(String message) {
    super(message);
  }

  public HistoryException(String message, Throwable cause) {
    super(message, cause);
  }
}
