package io.jobline.scheduler;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.util.Duration;
import jakarta.validation.constraints.NotNull;

/** Settings of the scheduler role. */
public class SchedulerSettings {
  /** This replica's id in the leader lease; defaults to host and process id. */
  @JsonProperty
  public String schedulerId;

  /** How long the leader lease lasts without renewal; a replica that stops renewing loses it after this. */
  @NotNull
  @JsonProperty
  public Duration leaseTtl = Duration.seconds(15);

  /** Longest wait between looks at the schedules (changes from other processes show up within it). */
  @NotNull
  @JsonProperty
  public Duration reloadInterval = Duration.seconds(1);

  /** Longest wait between looks at the running chain runs (a step's end is noticed within it). */
  @NotNull
  @JsonProperty
  public Duration chainInterval = Duration.milliseconds(500);
}
