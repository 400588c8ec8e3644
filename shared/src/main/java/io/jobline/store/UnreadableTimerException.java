package io.jobline.store;

import io.jobline.wire.SharedException;

/** A stored timer holds a request that cannot be read; names the timer. */
public class UnreadableTimerException extends SharedException {
  private final String timerId;

  public UnreadableTimerException(String timerId, Throwable cause) {
    super("timer " + timerId + " holds an unreadable request", cause);
    this.timerId = timerId;
  }

  /** The id of the timer that cannot be read. */
  public String timerId() {
    return timerId;
  }
}
