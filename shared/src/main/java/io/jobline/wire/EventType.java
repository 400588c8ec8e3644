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
  MISSED,
  /**
   * Who did what through the api (cancelled, retried, triggered, created, changed, deleted), keyed
   * by what it was done to: a run id, {@code schedule:<name>}, {@code chain:<name>} or {@code
   * chain-run:<id>}. History keeps these apart from runs, in {@code job_audit}.
   */
  @JsonProperty("audit")
  AUDIT;

  /**
   * Whether this event ends an attempt. An end may carry its attempt's start under {@code started}
   * (the start's payload plus {@code at}) when the job ended before the start was sent on its own.
   */
  public boolean terminal() {
    return this == COMPLETED || this == FAILED || this == CANCELLED || this == TIMED_OUT;
  }
}
