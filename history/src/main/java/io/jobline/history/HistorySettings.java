package io.jobline.history;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.util.Duration;
import io.dropwizard.validation.MaxDuration;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.util.concurrent.TimeUnit;

/** Settings of the history role (a Kafka Streams application). */
public class HistorySettings {
  @JsonProperty public String applicationId = "jobline-history";

  /** Where Streams keeps its local state; defaults to a folder under the system temp dir. */
  @JsonProperty public String stateDir;

  @Min(1)
  @JsonProperty
  public int streamThreads = 1;

  /** Log lines kept per run; later lines are dropped and the run is marked truncated. */
  @Min(1)
  @JsonProperty
  public int maxLogsPerRun = 1000;

  /** Runs written to Mongo per bulk upsert. */
  @Min(1)
  @JsonProperty
  public int batchSize = 1000;

  /**
   * No longer used: history writes MongoDB before every commit ({@link #commitInterval}). Kept so
   * that configuration files that still set it load.
   */
  @Deprecated @JsonProperty public Duration flushInterval;

  /**
   * How long input may wait while history's committed offsets stand still before its health check
   * turns red.
   */
  @NotNull @JsonProperty public Duration stallAfter = Duration.seconds(60);

  /** How soon the group gives a dead history process's partitions to the others. */
  @NotNull @JsonProperty public Duration sessionTimeout = Duration.seconds(10);

  /**
   * Streams commit interval (exactly-once transactions); history writes MongoDB before each commit.
   * At most 5 s: a transaction stays open this long, and the broker aborts one after 10 s.
   */
  @NotNull
  @MaxDuration(value = 5, unit = TimeUnit.SECONDS)
  @JsonProperty
  public Duration commitInterval = Duration.milliseconds(100);
}
