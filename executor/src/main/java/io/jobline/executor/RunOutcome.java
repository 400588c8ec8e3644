package io.jobline.executor;

import java.time.Instant;

/** What became of the execution, for the dispatcher. */
interface RunOutcome {
  /**
   * The attempt ended here and its slot is free; called before its end is published, which then
   * marks it sent ({@link EndMark#sent}). {@code pending.done()} runs once the end is in a
   * transaction.
   */
  EndMark finished(Pending pending);

  /**
   * As {@link #finished(Pending)}; {@code complete} is false when the end leaves a fan-out's
   * children to a takeover (its partition went to another executor while it ran).
   */
  default EndMark finished(Pending pending, boolean complete) {
    return finished(pending);
  }

  /** Another executor holds the claim until {@code until}; try again then. */
  void heldElsewhere(Pending pending, Instant until);

  /**
   * The slot is free, but the attempt did not end here (stopped for shutdown, or fenced): not done.
   */
  void gone(Pending pending);
}
