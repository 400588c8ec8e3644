package io.jobline.schedule;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How a schedule's fire times are made. */
public enum TriggerKind {
  /** A cron expression in the schedule's timezone. */
  @JsonProperty("cron")
  CRON,
  /** Every {@code interval_seconds}, anchored at {@code run_at}. */
  @JsonProperty("interval")
  INTERVAL,
  /** Once, at {@code run_at}. */
  @JsonProperty("once")
  ONCE
}
