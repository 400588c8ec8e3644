package io.jobline.scheduler;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.util.Duration;
import io.dropwizard.validation.MaxDuration;
import jakarta.validation.constraints.NotNull;
import java.util.concurrent.TimeUnit;

/** Settings of the scheduler role. */
public class SchedulerSettings {
  /** This replica's id in the leader lease; defaults to host and process id. */
  @JsonProperty public String schedulerId;

  /**
   * How long the leader lease lasts without renewal; a replica that stops renewing loses it after
   * this.
   */
  @NotNull @JsonProperty public Duration leaseTtl = Duration.seconds(15);

  /**
   * Longest wait between looks at the schedules (changes from other processes show up within it).
   */
  @NotNull @JsonProperty public Duration reloadInterval = Duration.seconds(1);

  /**
   * How long before a fire instant the requests due at it are handed to Kafka in a transaction,
   * invisible to executors until the instant (then one commit releases them all). Meanwhile later
   * records of the same partitions wait too, so keep it short; 0 sends at the instant instead.
   */
  @NotNull
  @MaxDuration(value = 800, unit = TimeUnit.MILLISECONDS)
  @JsonProperty
  public Duration stageAhead = Duration.milliseconds(300);

  /**
   * The transactional id scheduler replicas share for staged requests; the newest leader fences the
   * rest.
   */
  @NotNull @JsonProperty public String transactionalId = "jobline-scheduler";

  /** Longest wait between looks at the running chain runs (a step's end is noticed within it). */
  @NotNull @JsonProperty public Duration chainInterval = Duration.milliseconds(500);
}
