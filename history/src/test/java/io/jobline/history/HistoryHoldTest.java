package io.jobline.history;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.run.JobStats;
import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.store.InMemoryRunLogStore;
import io.jobline.store.InMemoryRunStore;
import io.jobline.store.RunStore;
import io.jobline.topic.Topics;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * History holds a run it has only the request of: one that ends within the hold is written once,
 * ended; one that does not start is written queued once the hold is over.
 */
class HistoryHoldTest {
  private static final Instant T0 = Instant.parse("2026-05-01T10:00:00Z");
  private final InMemoryRunStore stored = new InMemoryRunStore(Clock.systemUTC());

  /** Every run written to the store, in order, as written. */
  private final List<RunRecord> writes = new CopyOnWriteArrayList<>();

  private final Map<String, JobStats> stats = new HashMap<>();
  private TopologyTestDriver driver;
  private TestInputTopic<String, JobRequest> requests;
  private TestInputTopic<String, RunEvent> events;
  private final Duration hold = new HistorySettings().holdQueued.toJavaDuration();
  private static final long IDLE_HOLD = new HistorySettings().holdQueuedWhileIdle.toMilliseconds();

  private RunStore counting() {
    return WatchedRunStore.of(stored, writes::addAll);
  }

  @BeforeEach
  void setUp() {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "history-hold-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    driver =
        new TopologyTestDriver(
            HistoryTopology.build(
                new HistorySettings(),
                new HistoryTopology.Sinks(
                    counting(),
                    new InMemoryRunLogStore(),
                    parts -> parts.forEach(p -> stats.put(p.key(), p.stats())))),
            props,
            T0); // history's wall clock starts with the records: it reads them as they come
    requests =
        driver.createInputTopic(
            Topics.REQUESTS.name(),
            Serdes.String().serializer(),
            Topics.REQUESTS.valueSerde().serializer());
    events =
        driver.createInputTopic(
            Topics.EVENTS.name(),
            Serdes.String().serializer(),
            Topics.EVENTS.valueSerde().serializer());
  }

  @AfterEach
  void tearDown() {
    driver.close();
  }

  private void request(String id, Instant at) {
    requests.pipeInput(
        "t1", JobRequest.manual(RunId.of(id), "noop", Json.object(), "t1", at, "api"), at);
  }

  private void completed(String id, Instant at) {
    RunEvent end =
        new RunEvent(
            RunId.of(id),
            1,
            EventType.COMPLETED,
            at,
            "executor-1",
            1,
            1,
            Json.object().set("start", Json.object().put("at", at.toString())));
    events.pipeInput(id, end, at);
  }

  private List<RunStatus> writesOf(String id) {
    return writes.stream()
        .filter(r -> r.runId().value().equals(id))
        .map(RunRecord::status)
        .toList();
  }

  @Test
  void aRunThatEndsWithinTheHoldIsWrittenOnceEnded() {
    request("quick", T0);
    request("other", T0.plusMillis(10));
    completed("quick", T0.plusMillis(800));

    assertThat(writesOf("quick")).containsExactly(RunStatus.COMPLETED);
    assertThat(stored.find("quick").orElseThrow().requestedAt()).isEqualTo(T0);
    assertThat(stats.get("job:noop").counts()).containsEntry("completed", 1L);
    assertThat(stored.find("other")).as("still held: nothing says it will not start").isEmpty();
  }

  @Test
  void aRunNotStartedIsWrittenQueuedOnceHistoryReadItsHoldPastItsRequest() {
    request("waiting", T0);
    request("later", T0.plus(hold).minusMillis(1));
    assertThat(stored.find("waiting")).isEmpty();

    request("later-still", T0.plus(hold));

    assertThat(writesOf("waiting")).containsExactly(RunStatus.QUEUED);
    assertThat(stored.find("later")).isEmpty();
    completed("waiting", T0.plus(hold).plusSeconds(1));
    assertThat(writesOf("waiting")).containsExactly(RunStatus.QUEUED, RunStatus.COMPLETED);
  }

  @Test
  void anIdleHistoryWritesAQueuedRunSoonAfterItReadIt() {
    request("alone", T0);
    driver.advanceWallClockTime(Duration.ofMillis(IDLE_HOLD / 2));
    assertThat(stored.find("alone")).isEmpty();

    driver.advanceWallClockTime(Duration.ofSeconds(1)); // the next punctuation

    assertThat(stored.find("alone").orElseThrow().status()).isEqualTo(RunStatus.QUEUED);
  }

  @Test
  void aHistoryBehindItsRecordsHoldsAQueuedRunWhileItWaitsForMore() {
    request("old", T0.minusSeconds(60)); // read a minute after it was requested

    driver.advanceWallClockTime(Duration.ofSeconds(2));

    assertThat(stored.find("old")).as("not idle: more may be on its way").isEmpty();
    driver.advanceWallClockTime(hold.multipliedBy(10));
    assertThat(stored.find("old").orElseThrow().status()).isEqualTo(RunStatus.QUEUED);
  }

  @Test
  void aRunThatStartsWithinTheHoldIsWrittenRunningAndNeverQueued() {
    request("slow", T0);
    events.pipeInput(
        "slow",
        new RunEvent(
            RunId.of("slow"),
            1,
            EventType.STARTED,
            T0.plusMillis(100),
            "executor-1",
            1,
            1,
            Json.object().put("job_name", "noop")),
        T0.plusMillis(100));

    assertThat(writesOf("slow")).containsExactly(RunStatus.RUNNING);
  }
}
