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

  /**
   * The job of {@code pending} is being abandoned (it ignored stop and interrupt) while its thread
   * may still run it: when its slot is freed its job's count ({@code maxConcurrency}) stays taken,
   * until {@link #jobLeft} says the thread has left the job.
   */
  default void abandoning(Pending pending) {}

  /**
   * After {@link #abandoning}, once: the thread has left the job of {@code pending}, or had left it
   * before it could be abandoned.
   */
  default void jobLeft(Pending pending) {}
}
