package io.jobline.run;

/** A run was asked to move between states the transition table does not connect. */
public class IllegalTransitionException extends IllegalStateException {
  private final RunStatus from;
  private final RunStatus to;

  public IllegalTransitionException(RunStatus from, RunStatus to) {
    super("illegal run transition " + from.wire() + " -> " + to.wire());
    this.from = from;
    this.to = to;
  }

  public RunStatus from() {
    return from;
  }

  public RunStatus to() {
    return to;
  }
}
