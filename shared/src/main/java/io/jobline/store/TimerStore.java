package io.jobline.store;

import io.jobline.wire.JobRequest;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Timers ({@code job_timers}): a request to emit when its time comes — retry backoffs, chain
 * delays, one-off runs. The scheduler fires them; a timer's id makes setting it twice harmless.
 */
public interface TimerStore {
  /** A due request and the id of the timer that holds it. */
  record Timer(String id, Instant dueAt, String kind, JobRequest request) {}

  /**
   * The id of the timer that holds a run's retry: the request of attempt {@code attempt}. Set once
   * per attempt, so a retry decided twice (a takeover) is one timer.
   */
  static String retryId(String runId, int attempt) {
    return "retry:" + runId + ":" + attempt;
  }

  void set(Timer timer);

  /** Timers due at {@code now}, earliest first. */
  List<Timer> due(Instant now, int limit);

  Optional<Instant> earliest();

  void delete(String id);

  /**
   * Deletes timer {@code id} only if it is still due at {@code dueAt} (to the millisecond): the one
   * its caller set, not one set again since under the same id (another executor's retry of the same
   * attempt, say).
   */
  void deleteIfDue(String id, Instant dueAt);

  /**
   * Moves timer {@code id} to {@code to} only if it is still due at {@code dueAt} (to the
   * millisecond), so a timer set again since keeps its own time; whether it moved.
   */
  boolean postpone(String id, Instant dueAt, Instant to);

  /**
   * Takes away a timer whose request can never be sent (too large for Kafka, say), keeping it with
   * the reason where an operator finds it ({@code job_timers_dead}), so that it does not hold up
   * the timers due after it.
   */
  void setAside(Timer timer, String reason);
}
