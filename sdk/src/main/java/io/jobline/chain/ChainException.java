package io.jobline.chain;

import io.jobline.job.JoblineException;

/**
 * A chain declaration that cannot be accepted; names the chain, the step and the field at fault.
 */
public class ChainException extends JoblineException {
  private final String chain;
  private final String step;
  private final String field;

  public ChainException(String chain, String step, String field, String message) {
    super(message);
    this.chain = chain;
    this.step = step;
    this.field = field;
  }

  public String chain() {
    return chain;
  }

  /** The step at fault, or null when the chain as a whole is. */
  public String step() {
    return step;
  }

  /** The JSON field at fault, e.g. {@code steps[2].depends_on}. */
  public String field() {
    return field;
  }
}
