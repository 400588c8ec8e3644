package io.jobline.chain;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;

/** What a chain does when one of its steps fails. */
public enum OnFailure {
  /** The chain ends: steps not yet started are skipped. */
  STOP,
  /** The step's dependents run as if it had succeeded. */
  CONTINUE,
  /** The step runs again after its delay, up to its retries; then the chain stops. */
  RETRY;

  @JsonValue
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Reads the wire name.
   *
   * @throws IllegalArgumentException naming the accepted values
   */
  @JsonCreator
  public static OnFailure fromWire(String value) {
    for (OnFailure f : values()) {
      if (f.wire().equalsIgnoreCase(value)) {
        return f;
      }
    }
    throw new IllegalArgumentException(
        "on_failure must be one of "
            + Arrays.stream(values()).map(OnFailure::wire).toList()
            + ", not '"
            + value
            + "'");
  }
}
