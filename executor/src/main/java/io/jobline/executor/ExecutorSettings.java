package io.jobline.executor;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.util.DataSize;
import io.dropwizard.util.DataSizeUnit;
import io.dropwizard.util.Duration;
import io.dropwizard.validation.MaxDuration;
import io.dropwizard.validation.MinDataSize;
import io.dropwizard.validation.MinDuration;
import io.dropwizard.validation.ValidationMethod;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.util.concurrent.TimeUnit;

/** Settings of the executor role. */
public class ExecutorSettings {
  public static final int DEFAULT_WORKERS = 8;

  /** Jobs run at once by this executor. */
  @Min(1)
  @Max(1024)
  @JsonProperty
  public int workers = DEFAULT_WORKERS;

  /** Runs of one tenant at once on this executor; 0 means half the workers (at least 1). */
  @Min(0)
  @JsonProperty
  public int maxPerTenant = 0;

  /** Records taken from Kafka but not finished, before polling pauses. */
  @Min(1)
  @JsonProperty
  public int maxInFlight = 2000;

  /**
   * The bytes of the records taken from Kafka but not finished (as read), before polling pauses;
   * the overflow lane pauses at a quarter of it. A request may be up to 128 KiB, so a count alone
   * let a burst of large requests fill the heap.
   */
  @NotNull
  @MinDataSize(value = 1, unit = DataSizeUnit.MEBIBYTES)
  @JsonProperty
  public DataSize maxInFlightBytes = DataSize.mebibytes(32);

  /**
   * Requests of one tenant waiting on an executor before its further requests move to the overflow
   * lane ({@code jobline.requests.overflow}); 0 turns the lane off (one lane, read in order).
   */
  @Min(0)
  @JsonProperty
  public int overflowAfter = 200;

  /** Records of the overflow lane taken but not finished, before its polling pauses. */
  @Min(1)
  @JsonProperty
  public int overflowInFlight = 500;

  /**
   * How much of overflowing tenants' requests an executor holds read but not yet moved to the
   * overflow lane; while that much waits, the partitions they came from are not read on.
   */
  @NotNull @JsonProperty public DataSize moveQueue = DataSize.mebibytes(64);

  /**
   * The longest a request of a tenant within its share should wait to start; while one waits
   * longer, the overflow lane slows down (halving its pace every 500 ms, down to 50 runs a second
   * per executor).
   */
  @NotNull @JsonProperty public Duration overflowTarget = Duration.milliseconds(200);

  /** Consumer group of all executors. */
  @NotBlank @JsonProperty public String groupId = "jobline-executor";

  /** This executor's id in events and history; defaults to host and process id. */
  @Pattern(regexp = ".*\\S.*", message = "must not be blank (leave it unset for one of its own)")
  @JsonProperty
  public String executorId;

  /** After a timeout asks a job to stop, how long before its thread is interrupted. */
  @NotNull @JsonProperty public Duration stopGrace = Duration.seconds(5);

  /** After the interrupt, how long before a job that still runs is abandoned and its slot freed. */
  @NotNull @JsonProperty public Duration abandonGrace = Duration.seconds(2);

  /**
   * On shutdown, how long running jobs get to finish before their records are left for redelivery.
   */
  @NotNull @JsonProperty public Duration drain = Duration.seconds(10);

  /**
   * How long a claim on a run lasts without renewal; another executor takes the run over after it.
   */
  @NotNull
  @MinDuration(value = 1, unit = TimeUnit.SECONDS)
  @JsonProperty
  public Duration claimTtl = Duration.seconds(30);

  /** Base of the exponential retry backoff (attempt n waits about base * 2^(n-1), with jitter). */
  @NotNull @JsonProperty public Duration retryBackoff = Duration.seconds(5);

  /** Cap of the retry backoff. */
  @NotNull @JsonProperty public Duration retryBackoffCap = Duration.minutes(5);

  /**
   * How often the events sent and the offsets finished are committed together in one Kafka
   * transaction; at most 10 s (the transaction times out after 30 s).
   */
  @NotNull
  @MinDuration(value = 1, unit = TimeUnit.MILLISECONDS)
  @MaxDuration(value = 10, unit = TimeUnit.SECONDS)
  @JsonProperty
  public Duration commitInterval = Duration.milliseconds(200);

  /**
   * How long the executor's Kafka transaction may stay open: a frozen executor's open transaction
   * is aborted after it, and until then the next owner of its partitions cannot read their
   * committed offsets. At least 1 s, at most 15 min (the brokers' default {@code
   * transaction.max.timeout.ms}).
   */
  @NotNull
  @MinDuration(value = 1, unit = TimeUnit.SECONDS)
  @MaxDuration(value = 15, unit = TimeUnit.MINUTES)
  @JsonProperty
  public Duration transactionTimeout = Duration.seconds(30);

  /** Consumer session timeout: how soon a dead executor's partitions move to the others. */
  @NotNull
  @MinDuration(value = 1, unit = TimeUnit.SECONDS)
  @JsonProperty
  public Duration sessionTimeout = Duration.seconds(10);

  /**
   * Workers the overflow lane may use at once: half of them, so the main lane always has the rest.
   */
  int overflowSlots() {
    return Math.max(1, workers / 2);
  }

  int tenantCap() {
    return maxPerTenant > 0 ? maxPerTenant : Math.max(1, workers / 2);
  }

  /**
   * A transaction open longer than its timeout is aborted by the broker, so one that lasts a commit
   * interval must fit in it, with room for the commit itself (found by review: every transaction
   * timed out before it committed, and no event ever counted).
   */
  @JsonIgnore
  @ValidationMethod(
      message =
          "transactionTimeout must be at least twice commitInterval (a transaction lasts one)")
  public boolean isTransactionLongerThanACommit() {
    return transactionTimeout == null
        || commitInterval == null
        || transactionTimeout.toMilliseconds() >= 2 * commitInterval.toMilliseconds();
  }

  /** The backoff's cap cannot be below its base: no retry would wait as long as the base says. */
  @JsonIgnore
  @ValidationMethod(message = "retryBackoffCap must not be shorter than retryBackoff")
  public boolean isRetryBackoffWithinItsCap() {
    return retryBackoff == null
        || retryBackoffCap == null
        || retryBackoff.toMilliseconds() <= retryBackoffCap.toMilliseconds();
  }

  /** {@link #executorId}, or one made of the process id and a random part when it is not set. */
  public String executorIdOrDefault() {
    return executorId != null
        ? executorId
        : "executor-"
            + ProcessHandle.current().pid()
            + "-"
            + Long.toHexString(System.nanoTime() & 0xffff);
  }
}
