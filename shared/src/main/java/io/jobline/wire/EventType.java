package io.jobline.wire;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The kinds of {@link RunEvent}. */
public enum EventType {
  @JsonProperty("queued")
  QUEUED,
  @JsonProperty("started")
  STARTED,
  @JsonProperty("log")
  LOG,
  @JsonProperty("progress")
  PROGRESS,
  @JsonProperty("warning")
  WARNING,
  @JsonProperty("error")
  ERROR,
  @JsonProperty("completed")
  COMPLETED,
  @JsonProperty("failed")
  FAILED,
  @JsonProperty("cancelled")
  CANCELLED,
  @JsonProperty("timed_out")
  TIMED_OUT,
  @JsonProperty("retry_scheduled")
  RETRY_SCHEDULED,
  /** A schedule's fire time that did not run (misfire policy, overlap); recorded, never silent. */
  @JsonProperty("missed")
  MISSED
}
