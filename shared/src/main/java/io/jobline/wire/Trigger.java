package io.jobline.wire;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;

/**
 * Why a run was requested: by hand, by a schedule at a nominal time, by a chain step, a retry or a
 * topic record.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Trigger(
    TriggerType type,
    String schedule,
    Instant nominalTime,
    String chainRunId,
    String step,
    Integer coalesced) {

  public Trigger(
      TriggerType type, String schedule, Instant nominalTime, String chainRunId, String step) {
    this(type, schedule, nominalTime, chainRunId, step, null);
  }

  public static Trigger manual() {
    return new Trigger(TriggerType.MANUAL, null, null, null, null);
  }

  public static Trigger topic() {
    return new Trigger(TriggerType.TOPIC, null, null, null, null);
  }

  public static Trigger schedule(String schedule, Instant nominalTime) {
    return new Trigger(TriggerType.SCHEDULE, schedule, nominalTime, null, null);
  }

  /** A step of a chain run. */
  public static Trigger chainStep(String chainRunId, String step) {
    return new Trigger(TriggerType.CHAIN, null, null, chainRunId, step);
  }

  /** A catch-up run standing for {@code coalesced} missed fire times of a schedule. */
  public static Trigger catchUp(String schedule, Instant nominalTime, int coalesced) {
    return new Trigger(TriggerType.SCHEDULE, schedule, nominalTime, null, null, coalesced);
  }
}
