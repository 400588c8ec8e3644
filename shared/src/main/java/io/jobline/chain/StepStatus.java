package io.jobline.chain;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Where one step of a chain run stands, with the one table of allowed transitions. */
public enum StepStatus {
  /** Waiting for the steps it depends on. */
  PENDING,
  /** Its run was requested. */
  RUNNING,
  /** Failed; its next attempt is due at a timer. */
  RETRYING,
  COMPLETED,
  FAILED,
  /** Will not run: the chain stopped or was cancelled first. */
  SKIPPED,
  CANCELLED;

  private static final Set<StepStatus> ACTIVE = EnumSet.of(RUNNING, RETRYING);
  private static final Map<StepStatus, Set<StepStatus>> ALLOWED =
      Map.of(
          PENDING, EnumSet.of(RUNNING, SKIPPED),
          RUNNING, EnumSet.of(COMPLETED, FAILED, RETRYING, CANCELLED),
          RETRYING, EnumSet.of(RUNNING, RETRYING, COMPLETED, FAILED, SKIPPED, CANCELLED),
          COMPLETED, EnumSet.noneOf(StepStatus.class),
          FAILED, EnumSet.noneOf(StepStatus.class),
          SKIPPED, EnumSet.noneOf(StepStatus.class),
          CANCELLED, EnumSet.noneOf(StepStatus.class));

  public boolean isTerminal() {
    return ALLOWED.get(this).isEmpty();
  }

  /** Its run has been requested and has not ended (or its retry is waiting). */
  public boolean isActive() {
    return ACTIVE.contains(this);
  }

  /**
   * Returns {@code next} if the move is allowed.
   *
   * @throws IllegalStateException naming both states otherwise
   */
  public StepStatus moveTo(StepStatus next) {
    if (!ALLOWED.get(this).contains(next)) {
      throw new IllegalStateException(
          "a chain step cannot move from " + wire() + " to " + next.wire());
    }
    return next;
  }

  @JsonValue
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static StepStatus fromWire(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }
}
