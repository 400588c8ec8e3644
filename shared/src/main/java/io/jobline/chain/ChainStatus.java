package io.jobline.chain;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Where a chain run stands, with the one table of allowed transitions. */
public enum ChainStatus {
  /** Created; the orchestrator has not looked at it yet. */
  QUEUED,
  RUNNING,
  /** Every step completed. */
  COMPLETED,
  /** Every step ran, but a step whose failure was allowed to continue failed. */
  COMPLETED_WITH_FAILURES,
  /** A step failed and stopped the chain. */
  FAILED,
  CANCELLED;

  private static final Map<ChainStatus, Set<ChainStatus>> ALLOWED =
      Map.of(
          QUEUED, EnumSet.of(RUNNING, CANCELLED),
          RUNNING, EnumSet.of(COMPLETED, COMPLETED_WITH_FAILURES, FAILED, CANCELLED),
          COMPLETED, EnumSet.noneOf(ChainStatus.class),
          COMPLETED_WITH_FAILURES, EnumSet.noneOf(ChainStatus.class),
          FAILED, EnumSet.noneOf(ChainStatus.class),
          CANCELLED, EnumSet.noneOf(ChainStatus.class));

  public boolean isTerminal() {
    return ALLOWED.get(this).isEmpty();
  }

  /**
   * Returns {@code next} if the move is allowed (staying put is).
   *
   * @throws IllegalStateException naming both states otherwise
   */
  public ChainStatus moveTo(ChainStatus next) {
    if (next != this && !ALLOWED.get(this).contains(next)) {
      throw new IllegalStateException(
          "a chain run cannot move from " + wire() + " to " + next.wire());
    }
    return next;
  }

  @JsonValue
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static ChainStatus fromWire(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }
}
