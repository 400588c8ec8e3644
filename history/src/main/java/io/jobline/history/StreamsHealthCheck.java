package io.jobline.history;

import com.codahale.metrics.health.HealthCheck;
import org.apache.kafka.streams.KafkaStreams;

/** Healthy while the history Streams app is RUNNING (or briefly REBALANCING). */
public final class StreamsHealthCheck extends HealthCheck {
  private final History history;

  public StreamsHealthCheck(History history) {
    this.history = history;
  }

  @Override
  protected Result check() {
    KafkaStreams.State state = history.state();
    return state == KafkaStreams.State.RUNNING || state == KafkaStreams.State.REBALANCING
        ? Result.healthy("streams %s", state)
        : Result.unhealthy("streams %s", state);
  }
}
