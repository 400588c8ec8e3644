package io.jobline.api;

import com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import java.time.Instant;
import java.util.Optional;

/**
 * Tells whether a run that reads {@code failed} or {@code timed_out} has a retry still to come. The
 * executor decides a retry before it publishes the attempt's end, and the end says so ({@code
 * next_attempt}); history keeps it on the ended attempt ({@code retry_at}, {@link
 * RunRecord#retryDueAt()}).
 */
final class PendingRetry {
  private PendingRetry() {}

  /** The attempt a retry will run and when it is due. */
  @JsonNaming(SnakeCaseStrategy.class)
  record NextAttempt(int attempt, Instant dueAt) {}

  /** The run's next attempt, when its last one failed or timed out with a retry to come. */
  static Optional<NextAttempt> of(RunRecord run) {
    return run.retryDueAt().map(due -> new NextAttempt(run.attempt() + 1, due));
  }

  /**
   * The next attempt a run shows: {@link #of}, or, once history folded the retry's announcement and
   * the run reads {@code retrying}, the attempt its last end said follows and when (that end's
   * {@code retry_at}). A retry asked for by hand has no such time: none is shown.
   */
  static Optional<NextAttempt> shown(RunRecord run) {
    if (run.status() != RunStatus.RETRYING) {
      return of(run);
    }
    return RunRecord.lastRetryAt(run.attempt(), run.attempts())
        .map(due -> new NextAttempt(run.attempt() + 1, due));
  }
}
