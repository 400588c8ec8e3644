package io.jobline.wire;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What caused a run. */
public enum TriggerType {
  @JsonProperty("manual")
  MANUAL,
  @JsonProperty("schedule")
  SCHEDULE,
  @JsonProperty("chain")
  CHAIN,
  @JsonProperty("retry")
  RETRY,
  @JsonProperty("topic")
  TOPIC
}
