package io.jobline.run;

import io.jobline.wire.SharedException;

/** A run was asked to move between states the transition table does not connect. */
public class IllegalTransitionException extends SharedException {
  private final RunStatus from;
  private final RunStatus to;

  public IllegalTransitionException(RunStatus from, RunStatus to) {
    super("illegal run transition " + from.wire() + " -> " + to.wire());
    this.from = from;
    this.to = to;
  }

  /** The state the run is in. */
  public RunStatus from() {
    return from;
  }

  /** The state it was asked to move to. */
  public RunStatus to() {
    return to;
  }
}
