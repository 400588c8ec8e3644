package io.jobline.api;

import com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.jobline.run.Attempt;
import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Tells whether a run that reads {@code failed} or {@code timed_out} has a retry still to come. The
 * executor decides a retry before it publishes the attempt's end, and the end says so ({@code
 * next_attempt}); history keeps it on the ended attempt ({@code retry_at}). The retry's own
 * announcement follows the end in the same transaction, but history may store the run between the
 * two, and the retry may even run before history catches up: the attempt's record is what tells.
 */
final class PendingRetry {
  private PendingRetry() {}

  /** The attempt a retry will run and when it is due. */
  @JsonNaming(SnakeCaseStrategy.class)
  record NextAttempt(int attempt, Instant dueAt) {}

  /** The run's next attempt, when its last one failed or timed out with a retry to come. */
  static Optional<NextAttempt> of(RunRecord run) {
    if (run.status() != RunStatus.FAILED && run.status() != RunStatus.TIMED_OUT) {
      return Optional.empty();
    }
    List<Attempt> attempts = run.attempts() == null ? List.of() : run.attempts();
    if (attempts.isEmpty()) {
      return Optional.empty();
    }
    Attempt last = attempts.get(attempts.size() - 1);
    if (last.attempt() != run.attempt() || last.retryAt() == null) {
      return Optional.empty();
    }
    return Optional.of(new NextAttempt(run.attempt() + 1, last.retryAt()));
  }
}
