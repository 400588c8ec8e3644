package io.jobline.run;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** A run's state, with the one table of allowed transitions. */
public enum RunStatus {
  QUEUED,
  RUNNING,
  COMPLETED,
  FAILED,
  CANCELLED,
  TIMED_OUT,
  RETRYING,
  MISSED;

  private static final Map<RunStatus, Set<RunStatus>> ALLOWED =
      Map.of(
          QUEUED, EnumSet.of(RUNNING, CANCELLED, FAILED, MISSED),
          RUNNING, EnumSet.of(COMPLETED, FAILED, CANCELLED, TIMED_OUT),
          FAILED, EnumSet.of(RETRYING),
          TIMED_OUT, EnumSet.of(RETRYING),
          RETRYING, EnumSet.of(QUEUED, RUNNING, CANCELLED),
          COMPLETED, EnumSet.noneOf(RunStatus.class),
          CANCELLED, EnumSet.of(RETRYING),
          MISSED, EnumSet.noneOf(RunStatus.class));

  private static final Set<RunStatus> ENDED =
      EnumSet.of(COMPLETED, FAILED, CANCELLED, TIMED_OUT, MISSED);

  /** True once the run has ended (a failed run may still be retried as a new attempt). */
  public boolean isTerminal() {
    return ENDED.contains(this);
  }

  public boolean canMoveTo(RunStatus next) {
    return ALLOWED.get(this).contains(next);
  }

  /**
   * Returns {@code next} if the move is allowed.
   *
   * @throws IllegalTransitionException if the table does not allow it
   */
  public RunStatus moveTo(RunStatus next) {
    if (!canMoveTo(next)) {
      throw new IllegalTransitionException(this, next);
    }
    return next;
  }

  @JsonValue
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static RunStatus fromWire(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }
}
