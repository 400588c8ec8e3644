package io.jobline.schedule;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What happens when a fire time comes while the schedule's previous run is still going. */
public enum Overlap {
  /** Run anyway. */
  @JsonProperty("allow")
  ALLOW,
  /** Don't run; record the fire time as missed. */
  @JsonProperty("skip")
  SKIP,
  /** Run as soon as the previous run ends. */
  @JsonProperty("queue")
  QUEUE
}
