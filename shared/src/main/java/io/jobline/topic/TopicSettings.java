package io.jobline.topic;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.Min;

/** Partitions and replication of the topics Jobline creates at start. */
public class TopicSettings {
  public static final int DEFAULT_REQUEST_PARTITIONS = 12;
  public static final int DEFAULT_EVENT_PARTITIONS = 12;

  @Min(1)
  @JsonProperty
  public int requestPartitions = DEFAULT_REQUEST_PARTITIONS;

  @Min(1)
  @JsonProperty
  public int eventPartitions = DEFAULT_EVENT_PARTITIONS;

  @Min(1)
  @JsonProperty
  public short replicationFactor = 1;

  public int partitionsOf(Topic<?, ?> topic) {
    if (topic == Topics.REQUESTS
        || topic == Topics.REQUESTS_OVERFLOW
        || topic == Topics.REQUESTS_DLQ) {
      return requestPartitions;
    }
    if (topic == Topics.EVENTS || topic == Topics.CONTROL) {
      return eventPartitions;
    }
    return 1;
  }
}
