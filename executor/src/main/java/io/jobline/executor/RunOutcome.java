package io.jobline.executor;

import java.time.Instant;

/** What became of the execution, for the dispatcher. */
interface RunOutcome {
  /**
   * The slot is free; {@code pending.done()} has been or will be called once the end is durable.
   */
  void finished(Pending pending);

  /** Another executor holds the claim until {@code until}; try again then. */
  void heldElsewhere(Pending pending, Instant until);

  /**
   * The slot is free, but the attempt did not end here (stopped for shutdown, or fenced): not done.
   */
  void gone(Pending pending);
}
