package io.jobline.history;

import com.codahale.metrics.health.HealthCheck;
import io.jobline.health.ConsumerProgress;
import java.time.Duration;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Healthy while the history Streams app is RUNNING (or briefly REBALANCING), its stream threads are
 * not failing again and again, and it keeps up with its input (no partition with records waiting
 * whose committed offset stands still, as last seen by the regular {@link
 * ConsumerProgress#look()}).
 */
public final class StreamsHealthCheck extends HealthCheck {
  /**
   * Failures within {@link #FAILURE_WINDOW} that turn the check red: a poison loop, a store down.
   */
  static final int FAILURES_TOLERATED = 2;

  static final Duration FAILURE_WINDOW = Duration.ofMinutes(5);
  private final History history;
  private final ConsumerProgress progress;

  public StreamsHealthCheck(History history, ConsumerProgress progress) {
    this.history = history;
    this.progress = progress;
  }

  @Override
  protected Result check() throws Exception {
    KafkaStreams.State state = history.state();
    if (state != KafkaStreams.State.RUNNING && state != KafkaStreams.State.REBALANCING) {
      return Result.unhealthy("streams %s", state);
    }
    History.Failures failures = history.failuresWithin(FAILURE_WINDOW);
    if (failures.count() > FAILURES_TOLERATED) {
      return Result.unhealthy(
          "a stream thread failed %d times in the last %d minutes and was replaced each time; "
              + "last: %s",
          failures.count(), FAILURE_WINDOW.toMinutes(), failures.last());
    }
    ConsumerProgress.Look look = progress.latest();
    if (!look.healthy()) {
      return Result.unhealthy(
          "streams %s but not keeping up: %s", state, String.join("; ", look.stalled()));
    }
    return Result.healthy(
        "streams %s; %d input record(s) waiting; %d run(s) set aside",
        state, look.lag(), history.metrics().runsSetAside());
  }
}
