package io.jobline.schedule;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What a schedule does with fire times it missed (downtime, or later than its grace). */
public enum MisfirePolicy {
  /** One catch-up run for all of them, saying how many it stands for. */
  @JsonProperty("run_once")
  RUN_ONCE,
  /** One run per missed fire time, up to {@code misfire_max_runs}; the rest are recorded missed. */
  @JsonProperty("run_all")
  RUN_ALL,
  /** No catch-up: every missed fire time is recorded as a missed run. */
  @JsonProperty("skip")
  SKIP
}
