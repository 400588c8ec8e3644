package io.jobline.history;

import static org.assertj.core.api.Assertions.assertThat;

import io.dropwizard.util.DataSize;
import io.dropwizard.util.Duration;
import io.jobline.store.InMemoryRunLogStore;
import io.jobline.store.InMemoryRunStore;
import io.jobline.topic.KafkaSettings;
import io.jobline.topic.Topics;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Properties;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A rebuild runs the live topology, but adds nothing to the live dead letters. */
class HistoryRebuildSetupTest {
  /** A missed fire whose trigger no fold rule reads: the processor sets it aside. */
  private static final String UNFOLDABLE =
      "{\"run_id\":\"%s\",\"seq\":1,\"type\":\"missed\",\"attempt\":1,"
          + "\"payload\":{\"job_name\":\"noop\",\"trigger\":\"not a trigger\"}}";

  private final HistorySettings settings = new HistorySettings();
  private final InMemoryRunStore runs = new InMemoryRunStore(Clock.systemUTC());
  private final LongAdder setAside = new LongAdder();
  @TempDir Path stateDir;
  private TopologyTestDriver driver;

  @AfterEach
  void close() {
    if (driver != null) {
      driver.close();
    }
  }

  private Properties config() {
    return HistoryRebuild.streamsConfig(
        new KafkaSettings(),
        settings,
        "jobline-history-rebuild-test",
        (short) 1,
        stateDir,
        setAside);
  }

  /**
   * {@code props} without exactly-once: the test driver shows what a handler sends only then (its
   * transactions are not what these tests are about).
   */
  private static Properties atLeastOnce(Properties props) {
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
    return props;
  }

  @Test
  void whatARebuildSetsAsideIsCountedAndSentToNoDeadLetterTopic() {
    settings.statsInterval = Duration.milliseconds(0);
    driver =
        new TopologyTestDriver(
            HistoryRebuild.topology(
                settings,
                new HistoryTopology.Sinks(runs, new InMemoryRunLogStore(), parts -> {}),
                1,
                1,
                setAside),
            atLeastOnce(config()));
    TestInputTopic<String, byte[]> events =
        driver.createInputTopic(
            Topics.EVENTS.name(), Serdes.String().serializer(), Serdes.ByteArray().serializer());
    TestInputTopic<String, JobRequest> requests =
        driver.createInputTopic(
            Topics.REQUESTS.name(),
            Serdes.String().serializer(),
            Topics.REQUESTS.valueSerde().serializer());
    TestOutputTopic<String, byte[]> liveDeadLetters =
        driver.createOutputTopic(
            Topics.HISTORY_DLQ.name(),
            Serdes.String().deserializer(),
            Serdes.ByteArray().deserializer());

    events.pipeInput("r1", "not JSON".getBytes(StandardCharsets.UTF_8)); // (unreadable)
    events.pipeInput("odd", UNFOLDABLE.formatted("odd").getBytes(StandardCharsets.UTF_8));
    requests.pipeInput(
        "t1",
        JobRequest.manual(
            RunId.of("after"), "noop", Json.object(), "t1", Instant.now(), "api")); // (forwards it)
    events.pipeInput("odd2", UNFOLDABLE.formatted("odd2").getBytes(StandardCharsets.UTF_8));
    driver.advanceWallClockTime(Duration.seconds(1).toJavaDuration()); // (a commit: sent with it)

    assertThat(liveDeadLetters.isEmpty()).isTrue();
    assertThat(setAside.sum()).isEqualTo(3);
    assertThat(runs.find("after")).as("the rebuild goes on").isPresent();
  }

  @Test
  void aRebuildBoundsItsStateStoresAndWaitsForRequestsAsLiveHistoryDoes() {
    settings.stateStoreMemory = DataSize.mebibytes(40);
    settings.maxTaskIdle = Duration.milliseconds(250);
    settings.bufferedRecordsPerPartition = 17;

    Properties props = config();

    assertThat(props.get(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG))
        .isEqualTo(StateStoreMemory.class);
    assertThat(props.get(StateStoreMemory.BYTES_CONFIG)).isEqualTo(40L * 1024 * 1024);
    assertThat(props.get(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG)).isEqualTo(250L);
    assertThat(props.get(StreamsConfig.BUFFERED_RECORDS_PER_PARTITION_CONFIG)).isEqualTo(17);
    assertThat(props.get(StreamsConfig.STATE_DIR_CONFIG)).isEqualTo(stateDir.toString());
  }
}
