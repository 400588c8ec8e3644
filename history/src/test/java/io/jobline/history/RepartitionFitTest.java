package io.jobline.history;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.store.InMemoryRunLogStore;
import io.jobline.store.InMemoryRunStore;
import io.jobline.topic.Topics;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import io.jobline.wire.WireLimits;
import java.time.Clock;
import java.time.Instant;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;

/**
 * A request too large for history's repartition topic (used when jobline.requests and
 * jobline.events have different partition counts) goes through it without its params: its send
 * failed, and the stream thread stopped on it at every restart (found by review).
 */
class RepartitionFitTest {
  private static final Instant T0 = Instant.parse("2026-12-06T08:00:00Z");

  private static JobRequest request(String job, String tenant, int paramBytes) {
    return JobRequest.manual(
        RunId.of("r1"), job, Json.object().put("blob", "x".repeat(paramBytes)), tenant, T0, "api");
  }

  private static int size(RunInput input) {
    return HistoryTopology.INPUT.serializer().serialize(null, input).length;
  }

  @Test
  void aRequestOverTheTopicsLargestRecordGoesWithoutItsParams() {
    RunInput large = RunInput.of(request("report", "acme", 900_000));
    assertThat(size(large)).isGreaterThan(HistoryTopology.MAX_REPARTITIONED_BYTES);

    RunInput fit = HistoryTopology.repartitionable(large);

    assertThat(size(fit)).isLessThanOrEqualTo(HistoryTopology.MAX_REPARTITIONED_BYTES);
    assertThat(fit.request().params()).isNull();
    assertThat(fit.request().jobName()).isEqualTo("report");
    assertThat(fit.request().tenantId()).isEqualTo("acme");
    assertThat(fit.request().runId()).isEqualTo(RunId.of("r1"));
  }

  @Test
  void aRequestWhoseNamesAloneAreTooLargeGoesWithThemCut() {
    RunInput large = RunInput.of(request("j".repeat(600_000), "t".repeat(600_000), 10));

    RunInput fit = HistoryTopology.repartitionable(large);

    assertThat(size(fit)).isLessThanOrEqualTo(HistoryTopology.MAX_REPARTITIONED_BYTES);
    assertThat(fit.request().jobName()).isEqualTo(WireLimits.cutId("j".repeat(600_000)));
  }

  @Test
  void aRequestThatFitsGoesAsItIs() {
    RunInput small = RunInput.of(request("report", "acme", 1_000));
    assertThat(HistoryTopology.repartitionable(small)).isSameAs(small);
  }

  @Test
  void theRunOfARequestTooLargeToRepartitionIsStoredWithoutItsParams() {
    InMemoryRunStore stored = new InMemoryRunStore(Clock.systemUTC());
    HistorySettings settings = new HistorySettings();
    settings.batchSize = 1;
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "history-repartition-fit-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    try (TopologyTestDriver driver =
        new TopologyTestDriver(
            HistoryTopology.build(
                settings,
                new HistoryTopology.Sinks(stored, new InMemoryRunLogStore(), parts -> {}),
                new HistoryMetrics(),
                1,
                2),
            props)) {
      driver
          .createInputTopic(
              Topics.REQUESTS.name(),
              Serdes.String().serializer(),
              Topics.REQUESTS.valueSerde().serializer())
          .pipeInput("acme", request("report", "acme", 900_000));

      assertThat(stored.find("r1"))
          .hasValueSatisfying(
              run -> {
                assertThat(run.jobName()).isEqualTo("report");
                assertThat(run.params()).isNull();
              });
    }
  }
}
