package io.jobline.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

/**
 * What one caller may ask of the api at once (under {@code api.limits} in the config): writes per
 * second per token, and live streams per token and in all.
 */
public class ApiLimits {
  /** Write requests (POST, PATCH, DELETE) per second one token may make, sustained. */
  @Min(1)
  @JsonProperty
  public int writesPerSecond = 50;

  /** Write requests one token may make in a burst above the sustained rate. */
  @Min(1)
  @JsonProperty
  public int writeBurst = 100;

  /** Live streams ({@code /jobs/runs/{id}/stream}) one token may hold open at once. */
  @Min(1)
  @Max(10_000)
  @JsonProperty
  public int streamsPerToken = 10;

  /** Live streams all callers together may hold open at once. */
  @Min(1)
  @Max(100_000)
  @JsonProperty
  public int streams = 100;
}
