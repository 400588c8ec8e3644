package io.jobline.executor;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.util.Duration;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

/** Settings of the executor role. */
public class ExecutorSettings {
  public static final int DEFAULT_WORKERS = 8;

  /** Jobs run at once by this executor. */
  @Min(1)
  @Max(1024)
  @JsonProperty
  public int workers = DEFAULT_WORKERS;

  /** Records taken from Kafka but not finished, before polling pauses. */
  @Min(1)
  @JsonProperty
  public int maxInFlight = 2000;

  /** Consumer group of all executors. */
  @JsonProperty
  public String groupId = "jobline-executor";

  /** This executor's id in events and history; defaults to host and process id. */
  @JsonProperty
  public String executorId;

  /** After a timeout asks a job to stop, how long before its thread is interrupted. */
  @NotNull
  @JsonProperty
  public Duration stopGrace = Duration.seconds(5);

  /** On shutdown, how long running jobs get to finish before their records are left for redelivery. */
  @NotNull
  @JsonProperty
  public Duration drain = Duration.seconds(10);

  /** How often finished offsets are committed. */
  @NotNull
  @JsonProperty
  public Duration commitInterval = Duration.milliseconds(200);
}
