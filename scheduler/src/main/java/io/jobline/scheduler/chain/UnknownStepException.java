package io.jobline.scheduler.chain;

import io.jobline.scheduler.SchedulerException;

/** A chain run holds a step its chain's definition lacks; names the chain run and the step. */
public class UnknownStepException extends SchedulerException {
  private final String chainRunId;
  private final String step;

  public UnknownStepException(String chainRunId, String step) {
    super("chain run " + chainRunId + " has a step '" + step + "' its definition lacks");
    this.chainRunId = chainRunId;
    this.step = step;
  }

  /** The chain run holding the step. */
  public String chainRunId() {
    return chainRunId;
  }

  /** The step its definition lacks. */
  public String step() {
    return step;
  }
}
