package io.jobline.history;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dropwizard.util.Duration;
import io.jobline.run.JobStats;
import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.store.InMemoryRunLogStore;
import io.jobline.store.InMemoryRunStore;
import io.jobline.topic.Topics;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * History's state keeps a run {@code history.runStateRetention} of stream time (RocksDB, as a real
 * history runs), and folds an input that comes for a run dropped since onto the run as MongoDB
 * holds it. A run that is over stays there as a stub ({@link RunState#stub}): a copy of an input it
 * holds changes nothing and reads nothing; any other input is folded onto the run as MongoDB holds
 * it, so nothing of the run is lost, and each end counts once.
 */
class RunStateRetentionTest {
  private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
  private final InMemoryRunStore store = new InMemoryRunStore(Clock.systemUTC());
  private final InMemoryRunLogStore logs = new InMemoryRunLogStore();
  private final HistoryMetrics metrics = new HistoryMetrics();
  private final Map<String, JobStats> stats = new HashMap<>();
  private TopologyTestDriver driver;
  private TestInputTopic<String, JobRequest> requests;
  private TestInputTopic<String, RunEvent> events;

  @BeforeEach
  void setUp() {
    HistorySettings settings = new HistorySettings();
    settings.batchSize = 1;
    settings.runStateRetention = Duration.hours(2);
    settings.statsInterval = Duration.seconds(0);
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "history-retention-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    driver =
        new TopologyTestDriver(
            HistoryTopology.build(
                settings,
                new HistoryTopology.Sinks(
                    store, logs, parts -> parts.forEach(p -> stats.put(p.key(), p.stats()))),
                metrics,
                1,
                1),
            props);
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

  @Test
  void theStateHoldsOnlyTheRunsOfTheRetentionWhileMongoDbKeepsThemAll() {
    for (int minute = 0; minute < 24 * 60; minute += 10) {
      complete("run-" + minute, T0.plusSeconds(minute * 60L));
    }

    assertThat(store.find("run-0")).isPresent();
    assertThat(store.find("run-1430")).isPresent();
    List<String> kept = stateIds();
    assertThat(kept)
        .as("144 runs over a day, two hours kept (and the hour being filled)")
        .hasSizeBetween(12, 24)
        .contains("run-1430")
        .doesNotContain("run-0", "run-600");
    assertThat(metrics.runsReadFromStore()).as("new runs read nothing").isZero();
  }

  @Test
  void aRunRetriedByHandAfterItLeftTheStateGoesOnFromWhatMongoDbHolds() {
    RunId id = RunId.of("old");
    requests.pipeInput("t1", JobRequest.manual(id, "settle", Json.object(), "t1", T0, "api"), T0);
    event(id, 1, EventType.STARTED, 1, T0.plusSeconds(1), Json.object());
    event(id, 2, EventType.LOG, 1, T0.plusSeconds(2), Json.object().put("message", "first try"));
    event(id, 3, EventType.FAILED, 1, T0.plusSeconds(3), Json.object().put("error", "boom"));
    // five hours of other runs: the state lets "old" go
    complete("later", T0.plusSeconds(5 * 3600));
    assertThat(stateIds()).containsExactly("later");
    RunRecord before = store.find("old").orElseThrow();
    assertThat(before.status()).isEqualTo(RunStatus.FAILED);

    // a retry by hand, as the api sends it: the announcement, then attempt 2's request
    Instant retried = T0.plusSeconds(5 * 3600 + 60);
    event(
        id,
        Long.MAX_VALUE,
        EventType.RETRY_SCHEDULED,
        1,
        retried,
        Json.object().put("next_attempt", 2).put("requested_by", "ops"));
    JobRequest first = JobRequest.manual(id, "settle", Json.object(), "t1", T0, "api");
    requests.pipeInput("t1", first.nextAttempt(3, retried), retried);
    event(id, 1, EventType.STARTED, 2, retried.plusSeconds(1), Json.object());
    event(id, 2, EventType.LOG, 2, retried.plusSeconds(2), Json.object().put("message", "again"));
    event(id, 3, EventType.COMPLETED, 2, retried.plusSeconds(3), Json.object());

    RunRecord run = store.find("old").orElseThrow();
    assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(run.jobName()).isEqualTo("settle");
    assertThat(run.requestedAt()).isEqualTo(T0);
    assertThat(run.attempts())
        .extracting(a -> a.status())
        .containsExactly(RunStatus.FAILED, RunStatus.COMPLETED);
    assertThat(run.logs()).extracting(l -> l.message()).containsExactly("first try", "again");
    assertThat(logs.page("old", 0, 10))
        .extracting(l -> l.entry().message())
        .containsExactly("first try", "again");
    assertThat(metrics.runsReadFromStore()).as("once, for the announcement").isEqualTo(1);
    assertThat(stats.get("job:settle").counts())
        .as("each attempt's end counted once, the first before the run left the state")
        .containsOnly(Map.entry("failed", 1L), Map.entry("completed", 1L));
    assertThat(stateIds()).contains("old", "later");
  }

  @Test
  void aRetryByHandWhoseRequestIsFoldedBeforeItsAnnouncementCountsTheFirstFailureOnce() {
    RunId id = RunId.of("old-2");
    JobRequest first = JobRequest.manual(id, "settle", Json.object(), "t1", T0, "api");
    requests.pipeInput("t1", first, T0);
    event(id, 1, EventType.STARTED, 1, T0.plusSeconds(1), Json.object());
    event(id, 2, EventType.FAILED, 1, T0.plusSeconds(3), Json.object().put("error", "boom"));
    complete("later", T0.plusSeconds(5 * 3600));
    assertThat(stateIds()).doesNotContain("old-2");

    // history folds the requests' partition ahead of the events': attempt 2's request comes first
    Instant retried = T0.plusSeconds(5 * 3600 + 60);
    requests.pipeInput("t1", first.nextAttempt(3, retried), retried);
    event(
        id,
        Long.MAX_VALUE,
        EventType.RETRY_SCHEDULED,
        1,
        retried,
        Json.object().put("next_attempt", 2).put("requested_by", "ops"));
    event(id, 1, EventType.STARTED, 2, retried.plusSeconds(1), Json.object());
    event(id, 3, EventType.COMPLETED, 2, retried.plusSeconds(3), Json.object());

    RunRecord run = store.find("old-2").orElseThrow();
    assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(run.attempts())
        .extracting(a -> a.status())
        .containsExactly(RunStatus.FAILED, RunStatus.COMPLETED);
    assertThat(stats.get("job:settle").counts())
        .containsOnly(Map.entry("failed", 1L), Map.entry("completed", 1L));
  }

  @Test
  void aLongRunsEndAfterItLeftTheStateIsFoldedOntoItsStoredStartAndCountedOnce() {
    RunId id = RunId.of("long");
    requests.pipeInput("t1", JobRequest.manual(id, "crunch", Json.object(), "t1", T0, "api"), T0);
    event(id, 1, EventType.STARTED, 1, T0.plusSeconds(1), Json.object().put("job_name", "crunch"));
    complete("meanwhile", T0.plusSeconds(5 * 3600));
    assertThat(stateIds()).doesNotContain("long");

    // the end of a long attempt carries no start: alone it names no job
    event(id, 2, EventType.COMPLETED, 1, T0.plusSeconds(5 * 3600 + 5), Json.object());

    RunRecord run = store.find("long").orElseThrow();
    assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(run.jobName()).isEqualTo("crunch");
    assertThat(run.startedAt()).isEqualTo(T0.plusSeconds(1));
    assertThat(stats.get("job:crunch").counts()).containsOnly(Map.entry("completed", 1L));
    assertThat(stats.get("job:crunch|tenant:t1").durations()).hasSize(1);
  }

  /**
   * An executor that lost the partition finishes the runs it still has under their claims and
   * commits their ends; the partition's new owner finds such a claim done and publishes the same
   * end again (TakeOver), seconds later. The run the state holds takes the copy as nothing new:
   * read back from MongoDB instead, the copy could not be told from the same end folded again after
   * a crash undid a commit (which counts), and would be counted twice.
   */
  @Test
  void anEndPublishedAgainByThePartitionsNewOwnerCountsOnce() {
    RunId id = RunId.of("handed-over");
    requests.pipeInput("t1", JobRequest.manual(id, "settle", Json.object(), "t1", T0, "api"), T0);
    event(id, 1, EventType.STARTED, 1, T0.plusSeconds(1), Json.object().put("job_name", "settle"));
    event(id, 2, EventType.LOG, 1, T0.plusSeconds(2), Json.object().put("message", "working"));
    RunEvent end =
        new RunEvent(id, 3, EventType.COMPLETED, T0.plusSeconds(3), "executor-1", 1, 1, null);
    events.pipeInput(id.value(), end, T0.plusSeconds(3));
    complete("meanwhile", T0.plusSeconds(20));
    RunRecord ended = store.find("handed-over").orElseThrow();
    assertThat(ended.status()).isEqualTo(RunStatus.COMPLETED);

    events.pipeInput(id.value(), end, T0.plusSeconds(35)); // the new owner's copy

    assertThat(stats.get("job:settle").counts()).containsOnly(Map.entry("completed", 1L));
    assertThat(stats.get("job:settle|tenant:t1").durations()).hasSize(1);
    assertThat(store.find("handed-over")).contains(ended);
  }

  @Test
  void aRunThatIsOverIsKeptAsAStubWhileMongoDbHoldsAllOfIt() throws Exception {
    RunId id = RunId.of("whole");
    JsonNode params = Json.object().put("invoice", "INV-2026-0001").put("note", "x".repeat(300));
    requests.pipeInput("t1", JobRequest.manual(id, "settle", params, "t1", T0, "api"), T0);
    event(id, 1, EventType.STARTED, 1, 1, T0.plusSeconds(1), Json.object());
    event(id, 2, EventType.LOG, 1, 1, T0.plusSeconds(2), Json.object().put("message", "working"));
    event(id, 3, EventType.COMPLETED, 1, 1, T0.plusSeconds(3), Json.object().put("result", 42));

    RunRecord stored = store.find("whole").orElseThrow();
    assertThat(stored.params()).isEqualTo(params);
    assertThat(stored.attempts()).hasSize(1);
    assertThat(stored.logs()).extracting(l -> l.message()).containsExactly("working");
    RunRecord kept = state("whole");
    assertThat(RunState.isStub(kept)).isTrue();
    assertThat(kept.params()).isNull();
    assertThat(kept.logs()).isNull();
    assertThat(kept.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(kept.appliedSeq()).isEqualTo(stored.appliedSeq());
    int whole = HistoryTopology.RECORD.serializer().serialize("t", stored).length;
    int stub = HistoryTopology.RECORD.serializer().serialize("t", kept).length;
    assertThat(stub).as("stub %d bytes, run %d bytes", stub, whole).isLessThan(whole / 4);
    assertThat(stats.get("job:settle").counts()).containsOnly(Map.entry("completed", 1L));
  }

  @Test
  void copiesOfARunsEventsAfterItIsOverChangeNothingAndReadNothing() {
    RunId id = RunId.of("copied");
    requests.pipeInput("t1", JobRequest.manual(id, "settle", Json.object(), "t1", T0, "api"), T0);
    event(id, 1, EventType.STARTED, 1, 1, T0.plusSeconds(1), Json.object());
    event(id, 2, EventType.COMPLETED, 1, 1, T0.plusSeconds(2), Json.object());
    RunRecord ended = store.find("copied").orElseThrow();

    // the partition's new owner publishes the end again; a replay brings the start again
    event(id, 2, EventType.COMPLETED, 1, 1, T0.plusSeconds(30), Json.object());
    event(id, 1, EventType.STARTED, 1, 1, T0.plusSeconds(31), Json.object());

    assertThat(metrics.runsReadFromStore()).isZero();
    assertThat(store.find("copied")).contains(ended);
    assertThat(stats.get("job:settle").counts()).containsOnly(Map.entry("completed", 1L));
  }

  @Test
  void aRetryByHandOfARunThatIsOverGoesOnFromWhatMongoDbHolds() {
    RunId id = RunId.of("retried");
    JsonNode params = Json.object().put("invoice", "INV-7");
    JobRequest first = JobRequest.manual(id, "settle", params, "t1", T0, "api");
    settle(first, "first try", EventType.FAILED);
    assertThat(RunState.isStub(state("retried"))).isTrue();

    Instant retried = T0.plusSeconds(60);
    event(
        id,
        Long.MAX_VALUE,
        EventType.RETRY_SCHEDULED,
        1,
        1,
        retried,
        Json.object().put("next_attempt", 2).put("requested_by", "ops"));
    requests.pipeInput("t1", first.nextAttempt(3, retried), retried);
    event(id, 1, EventType.STARTED, 2, 1, retried.plusSeconds(1), Json.object());
    event(
        id, 2, EventType.LOG, 2, 1, retried.plusSeconds(2), Json.object().put("message", "again"));
    event(id, 3, EventType.COMPLETED, 2, 1, retried.plusSeconds(3), Json.object());

    RunRecord run = store.find("retried").orElseThrow();
    assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(run.params()).isEqualTo(params);
    assertThat(run.requestedAt()).isEqualTo(T0);
    assertThat(run.attempts())
        .extracting(a -> a.status())
        .containsExactly(RunStatus.FAILED, RunStatus.COMPLETED);
    assertThat(run.logs()).extracting(l -> l.message()).containsExactly("first try", "again");
    assertThat(metrics.runsReadFromStore()).as("once, for the announcement").isEqualTo(1);
    assertThat(stats.get("job:settle").counts())
        .containsOnly(Map.entry("failed", 1L), Map.entry("completed", 1L));
    assertThat(RunState.isStub(state("retried"))).isTrue();
  }

  /**
   * An end folded before its run's request, whose start carried the request's fields: the run is
   * over, but kept whole until its request comes, which folds onto it without a read; then it is
   * kept as a stub.
   */
  @Test
  void aRequestThatComesAfterItsRunsEndFoldsOntoTheWholeRunAndThenItIsAStub() {
    RunId id = RunId.of("late-request");
    JsonNode params = Json.object().put("invoice", "INV-9");
    // an executor's start carries the request's fields: folded onto the run, the request changes
    // nothing of it
    JobRequest request = JobRequest.manual(id, "settle", params, "t1", T0, "api");
    event(
        id,
        1,
        EventType.COMPLETED,
        1,
        1,
        T0.plusSeconds(2),
        Json.object()
            .set(
                "started",
                Json.object()
                    .put("at", T0.plusSeconds(1).toString())
                    .put("job_name", "settle")
                    .put("tenant_id", "t1")
                    .put("requested_at", T0.toString())
                    .<ObjectNode>set("params", params)
                    .set("trigger", Json.mapper().valueToTree(request.trigger()))));
    assertThat(RunState.over(state("late-request"))).isTrue();
    assertThat(RunState.isStub(state("late-request"))).isFalse();
    assertThat(metrics.runsReadFromStore()).as("the end, new to MongoDB").isEqualTo(1);

    requests.pipeInput("t1", request, T0);

    assertThat(metrics.runsReadFromStore()).as("the request read nothing").isEqualTo(1);
    assertThat(RunState.isStub(state("late-request"))).isTrue();
    RunRecord run = store.find("late-request").orElseThrow();
    assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(run.params()).isEqualTo(params);
    assertThat(run.trigger()).isNotNull();
    assertThat(run.startedAt()).isEqualTo(T0.plusSeconds(1));
    assertThat(run.attempts()).hasSize(1);
    assertThat(stats.get("job:settle").counts()).containsOnly(Map.entry("completed", 1L));
  }

  /**
   * A first request sent again for a run that is over (an idempotent retry by a client, a chain
   * step sent again): read back once, nothing of the run changes, nothing counts again, and the run
   * is not run or held as a new one.
   */
  @Test
  void aRepeatOfTheFirstRequestOfARunThatIsOverChangesNothing() {
    RunId id = RunId.of("repeated");
    JsonNode params = Json.object().put("invoice", "INV-3");
    JobRequest request = JobRequest.manual(id, "settle", params, "t1", T0, "api");
    settle(request, "done", EventType.COMPLETED);
    RunRecord ended = store.find("repeated").orElseThrow();

    requests.pipeInput("t1", request, T0.plusSeconds(40));

    assertThat(store.find("repeated")).contains(ended);
    assertThat(metrics.runsReadFromStore()).isEqualTo(1);
    assertThat(stats.get("job:settle").counts()).containsOnly(Map.entry("completed", 1L));
    assertThat(state("repeated")).isEqualTo(RunState.stub(ended));
  }

  /**
   * Two executions of one attempt, the one taken over ending first: the later epoch's end changes
   * nothing of the run (it ended) and counts nothing, whether the run is whole or a stub.
   */
  @Test
  void theEndOfTheExecutionThatTookOverAfterTheRunEndedCountsNothing() {
    RunId id = RunId.of("two-owners");
    requests.pipeInput("t1", JobRequest.manual(id, "settle", Json.object(), "t1", T0, "api"), T0);
    event(id, 1, EventType.STARTED, 1, 1, T0.plusSeconds(1), Json.object());
    event(id, 2, EventType.COMPLETED, 1, 1, T0.plusSeconds(2), Json.object());
    event(id, 1, EventType.STARTED, 1, 2, T0.plusSeconds(3), Json.object());
    event(id, 2, EventType.COMPLETED, 1, 2, T0.plusSeconds(4), Json.object());

    assertThat(store.find("two-owners").orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(stats.get("job:settle").counts()).containsOnly(Map.entry("completed", 1L));
  }

  private void event(
      RunId id, long seq, EventType type, int attempt, long epoch, Instant at, JsonNode body) {
    events.pipeInput(
        id.value(), new RunEvent(id, seq, type, at, "executor-1", attempt, epoch, body), at);
  }

  /** {@code request}'s run, from T0: started, a log line, ended so (error "boom" if it failed). */
  private void settle(JobRequest request, String line, EventType end) {
    RunId id = request.runId();
    requests.pipeInput("t1", request, T0);
    event(id, 1, EventType.STARTED, 1, 1, T0.plusSeconds(1), Json.object());
    event(id, 2, EventType.LOG, 1, 1, T0.plusSeconds(2), Json.object().put("message", line));
    JsonNode body = end == EventType.FAILED ? Json.object().put("error", "boom") : Json.object();
    event(id, 3, end, 1, 1, T0.plusSeconds(3), body);
  }

  /** The run as the state store holds it. */
  private RunRecord state(String runId) {
    WindowStore<String, RunRecord> state = driver.getWindowStore(HistoryTopology.RUNS_STORE);
    try (WindowStoreIterator<RunRecord> found = state.backwardFetch(runId, 0L, Long.MAX_VALUE)) {
      assertThat(found.hasNext()).as("%s in the state", runId).isTrue();
      return found.next().value;
    }
  }

  /** A run requested and completed at {@code at}. */
  private void complete(String runId, Instant at) {
    RunId id = RunId.of(runId);
    requests.pipeInput("t1", JobRequest.manual(id, "noop", Json.object(), "t1", at, "api"), at);
    event(id, 2, EventType.COMPLETED, 1, at.plusMillis(20), Json.object());
  }

  private void event(RunId id, long seq, EventType type, int attempt, Instant at, JsonNode body) {
    events.pipeInput(
        id.value(), new RunEvent(id, seq, type, at, "executor-1", attempt, 1, body), at);
  }

  /** The run ids the state store holds. */
  private List<String> stateIds() {
    WindowStore<String, RunRecord> state = driver.getWindowStore(HistoryTopology.RUNS_STORE);
    List<String> ids = new ArrayList<>();
    try (KeyValueIterator<Windowed<String>, RunRecord> all = state.fetchAll(0L, Long.MAX_VALUE)) {
      all.forEachRemaining(kv -> ids.add(kv.key.key()));
    }
    return ids;
  }
}
