package io.jobline.history;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import io.jobline.wire.Trigger;
import io.jobline.wire.TriggerType;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HistoryTopologyTest {
  private static final Instant T0 = Instant.parse("2026-03-31T22:00:00Z");
  private final InMemoryRunStore store = new InMemoryRunStore(Clock.systemUTC());
  private final InMemoryRunLogStore logStore = new InMemoryRunLogStore();
  private final Map<String, JobStats> stats = new HashMap<>();
  private final HistoryTopology.Sinks sinks =
      new HistoryTopology.Sinks(
          store, logStore, parts -> parts.forEach(p -> stats.put(p.key(), p.stats())));
  private TopologyTestDriver driver;
  private TestInputTopic<String, JobRequest> requests;
  private TestInputTopic<String, RunEvent> events;
  private TestInputTopic<String, byte[]> rawRequests;

  @BeforeEach
  void setUp() {
    HistorySettings settings = new HistorySettings();
    settings.batchSize = 1;
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "history-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    driver = new TopologyTestDriver(HistoryTopology.build(settings, sinks), props);
    requests =
        driver.createInputTopic(
            Topics.REQUESTS.name(),
            Serdes.String().serializer(),
            Topics.REQUESTS.valueSerde().serializer());
    rawRequests =
        driver.createInputTopic(
            Topics.REQUESTS.name(), Serdes.String().serializer(), Serdes.ByteArray().serializer());
    events =
        driver.createInputTopic(
            Topics.EVENTS.name(),
            Serdes.String().serializer(),
            Topics.EVENTS.valueSerde().serializer());
  }

  /**
   * Lets history's wall clock run ten times the time a queued run is held back, with no input
   * meanwhile: the runs only requested are written, however old their records' times.
   */
  private void letHeldRunsGo() {
    driver.advanceWallClockTime(
        new HistorySettings().holdQueued.toJavaDuration().multipliedBy(10).plusSeconds(1));
  }

  @AfterEach
  void tearDown() {
    driver.close();
  }

  @Test
  void foldsARequestAndItsEventsIntoACompletedRunWithLogsAndResult() {
    RunId id = RunId.of("run-1");
    requests.pipeInput(
        "t1",
        JobRequest.manual(
            id, "settlement", Json.object().put("period", "2026-03"), "t1", T0, "api"));
    events.pipeInput(
        id.value(),
        event(id, 1, EventType.STARTED, 1, Json.object().put("job_name", "settlement")));
    events.pipeInput(
        id.value(), event(id, 2, EventType.LOG, 2, Json.object().put("message", "Starting")));
    events.pipeInput(
        id.value(),
        event(
            id,
            3,
            EventType.PROGRESS,
            3,
            Json.object().put("message", "half").put("percentage", 50)));
    events.pipeInput(
        id.value(),
        event(
            id,
            4,
            EventType.COMPLETED,
            4,
            Json.object().set("result", Json.object().put("processed", 100))));

    RunRecord run = store.find("run-1").orElseThrow();
    assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(run.jobName()).isEqualTo("settlement");
    assertThat(run.tenantId()).isEqualTo("t1");
    assertThat(run.requestedAt()).isEqualTo(T0);
    assertThat(run.startedAt()).isEqualTo(T0.plusSeconds(1));
    assertThat(run.completedAt()).isEqualTo(T0.plusSeconds(4));
    assertThat(run.durationSeconds()).isEqualTo(3.0);
    assertThat(run.result().get("processed").asInt()).isEqualTo(100);
    assertThat(run.logs()).extracting(l -> l.message()).containsExactly("Starting", "half");
    assertThat(run.logs().get(1).percentage()).isEqualTo(50);
    assertThat(run.trigger().type()).isEqualTo(TriggerType.MANUAL);
    assertThat(logStore.page("run-1", 1, 5))
        .extracting(l -> l.entry().message())
        .containsExactly("half");
    assertThat(stats.get("job:settlement").counts()).containsExactly(Map.entry("completed", 1L));
    assertThat(stats.get("job:settlement|tenant:t1").durations())
        .extracting(d -> d.seconds())
        .containsExactly(3.0);
  }

  @Test
  void anEndThatCarriesItsStartIsFoldedAsBoth() {
    RunId id = RunId.of("quick");
    requests.pipeInput("t1", JobRequest.manual(id, "noop", Json.object(), "t1", T0, "api"));
    ObjectNode payload = Json.object();
    payload.set("result", Json.object().put("ok", true));
    payload.set(
        "started",
        Json.object()
            .put("job_name", "noop")
            .put("tenant_id", "t1")
            .put("at", T0.plusMillis(200).toString()));
    events.pipeInput(
        id.value(),
        new RunEvent(id, 2, EventType.COMPLETED, T0.plusMillis(230), "executor-1", 1, 3, payload));

    RunRecord run = store.find("quick").orElseThrow();
    assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(run.startedAt()).isEqualTo(T0.plusMillis(200));
    assertThat(run.completedAt()).isEqualTo(T0.plusMillis(230));
    assertThat(run.epoch()).isEqualTo(3);
    assertThat(run.executorId()).isEqualTo("executor-1");
    assertThat(run.attempts()).hasSize(1);
    assertThat(run.attempts().get(0).status()).isEqualTo(RunStatus.COMPLETED);
  }

  @Test
  void anEndWhoseStartWasLostStillEndsTheRunAndALaterCopyOfBothChangesNothing() {
    // found by jobline chaos: an executor's transaction holding a run's start was aborted (a
    // rebalance),
    // its end went out in the next one; the run stayed queued for good, and the re-run's events,
    // whose sequence numbers the end had already used, were taken as duplicates
    RunId id = RunId.of("start-lost");
    requests.pipeInput("t1", JobRequest.manual(id, "noop", null, "t1", T0, "api"));
    events.pipeInput(id.value(), event(id, 2, EventType.COMPLETED, 2, Json.object()));
    events.pipeInput(id.value(), event(id, 1, EventType.STARTED, 3, Json.object()));
    events.pipeInput(id.value(), event(id, 2, EventType.COMPLETED, 4, Json.object()));

    RunRecord run = store.find("start-lost").orElseThrow();
    assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(run.attempts()).hasSize(1);
    assertThat(run.attempts().get(0).status()).isEqualTo(RunStatus.COMPLETED);
  }

  @Test
  void aRedeliveredEventChangesNothing() {
    RunId id = RunId.of("run-2");
    RunEvent log = event(id, 2, EventType.LOG, 2, Json.object().put("message", "once"));
    events.pipeInput(id.value(), event(id, 1, EventType.STARTED, 1, Json.object()));
    events.pipeInput(id.value(), log);
    events.pipeInput(id.value(), log);

    assertThat(store.find("run-2").orElseThrow().logs()).hasSize(1);
  }

  @Test
  void aRequestArrivingAfterTheEndDoesNotReopenTheRun() {
    RunId id = RunId.of("run-3");
    events.pipeInput(id.value(), event(id, 1, EventType.STARTED, 1, Json.object()));
    events.pipeInput(id.value(), event(id, 2, EventType.COMPLETED, 2, Json.object()));
    requests.pipeInput("t1", JobRequest.manual(id, "noop", null, "t1", T0, "api"));

    RunRecord run = store.find("run-3").orElseThrow();
    assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(run.jobName()).isEqualTo("noop");
  }

  @Test
  void aRequestWithoutRunIdGetsOneDerivedFromItsOffset() {
    rawRequests.pipeInput("t9", "{\"job_name\":\"noop\",\"tenant_id\":\"t9\"}".getBytes());
    letHeldRunsGo();
    RunId expected = RunId.forRecord(Topics.REQUESTS.name(), 0, 0);

    RunRecord run = store.find(expected.value()).orElseThrow();
    assertThat(run.status()).isEqualTo(RunStatus.QUEUED);
    assertThat(run.trigger().type()).isEqualTo(TriggerType.TOPIC);
  }

  @Test
  void aRequestWithoutRequestTimeWasRequestedWhenItsRecordWasAccepted() {
    Instant accepted = Instant.parse("2026-04-01T08:15:30.123Z");
    rawRequests.pipeInput(
        "t9", "{\"job_name\":\"noop\",\"tenant_id\":\"t9\"}".getBytes(), accepted);
    rawRequests.pipeInput(
        "t9",
        ("{\"job_name\":\"noop\",\"tenant_id\":\"t9\",\"requested_at\":\"" + T0 + "\"}").getBytes(),
        accepted);
    letHeldRunsGo();

    assertThat(
            store
                .find(RunId.forRecord(Topics.REQUESTS.name(), 0, 0).value())
                .orElseThrow()
                .requestedAt())
        .isEqualTo(accepted);
    assertThat(
            store
                .find(RunId.forRecord(Topics.REQUESTS.name(), 0, 1).value())
                .orElseThrow()
                .requestedAt())
        .as("a request time the producer gave is kept")
        .isEqualTo(T0);
  }

  @Test
  void aRecordTimestampPastTheYear9999IsNoRequestTime() {
    // found by review: taken as the request time, the run was stored with a date it could not be
    // read back with, and every later event of it threw on the partition for good
    rawRequests.pipeInput(
        "t9",
        "{\"job_name\":\"noop\",\"tenant_id\":\"t9\"}".getBytes(),
        Instant.ofEpochMilli(253_402_300_800_000L)); // 10000-01-01
    letHeldRunsGo();

    RunRecord run = store.find(RunId.forRecord(Topics.REQUESTS.name(), 0, 0).value()).orElseThrow();
    assertThat(run.status()).isEqualTo(RunStatus.QUEUED);
    assertThat(run.requestedAt()).isNull();
  }

  @Test
  void unparseableRequestsAreSkippedAndTheNextOneIsFolded() {
    rawRequests.pipeInput("t1", "not json".getBytes());
    requests.pipeInput("t1", JobRequest.manual(RunId.of("run-5"), "noop", null, "t1", T0, "api"));
    letHeldRunsGo();

    assertThat(store.find("run-5")).isPresent();
  }

  @Test
  void eventsArrivingBeforeTheRequestStillCarryTheTriggerAndRequestTime() {
    RunId id = RunId.of("run-6");
    Instant nominal = Instant.parse("2026-03-31T22:00:00Z");
    var started =
        Json.object()
            .put("job_name", "noop")
            .put("tenant_id", "t1")
            .put("requested_at", T0.toString());
    started.set("trigger", Json.tree(Trigger.schedule("nightly", nominal)));
    events.pipeInput(id.value(), event(id, 1, EventType.STARTED, 1, started));
    events.pipeInput(id.value(), event(id, 2, EventType.COMPLETED, 2, Json.object()));

    RunRecord run = store.find("run-6").orElseThrow();
    assertThat(run.trigger().type()).isEqualTo(TriggerType.SCHEDULE);
    assertThat(run.trigger().nominalTime()).isEqualTo(nominal);
    assertThat(run.requestedAt()).isEqualTo(T0);
    assertThat(run.tenantId()).isEqualTo("t1");
  }

  @Test
  void aTakeoverWithAHigherEpochWinsAndTheStaleExecutionsEndIsIgnored() {
    RunId id = RunId.of("run-7");
    events.pipeInput(id.value(), at(id, 1, EventType.STARTED, 1, 1, 1, "exec-a", Json.object()));
    events.pipeInput(id.value(), at(id, 1, EventType.STARTED, 1, 2, 5, "exec-b", Json.object()));
    events.pipeInput(
        id.value(),
        at(
            id,
            2,
            EventType.COMPLETED,
            1,
            1,
            6,
            "exec-a",
            Json.object().set("result", Json.object().put("by", "zombie"))));
    events.pipeInput(
        id.value(),
        at(
            id,
            2,
            EventType.COMPLETED,
            1,
            2,
            7,
            "exec-b",
            Json.object().set("result", Json.object().put("by", "b"))));

    RunRecord run = store.find("run-7").orElseThrow();
    assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(run.result().path("by").asText()).isEqualTo("b");
    assertThat(run.epoch()).isEqualTo(2);
    assertThat(run.executorId()).isEqualTo("exec-b");
    assertThat(run.attempts()).extracting(a -> a.executorId()).containsExactly("exec-a", "exec-b");
    assertThat(run.attempts().get(0).error()).contains("taken over");
  }

  @Test
  void aTakeoverWhoseStartWasLostFencesTheExecutorItTookOverFrom() {
    // found by review: the end of a take-over whose start was in an aborted transaction left the
    // run at the old epoch and owner, so that owner's late events, woken after its lease, counted
    RunId cancelled = RunId.of("takeover-start-lost-1");
    events.pipeInput(
        cancelled.value(), at(cancelled, 1, EventType.STARTED, 1, 1, 1, "exec-a", Json.object()));
    events.pipeInput(
        cancelled.value(), at(cancelled, 2, EventType.CANCELLED, 1, 2, 5, "exec-b", Json.object()));
    ObjectNode failed = retryFollows("woke late", 2, T0.plusSeconds(30));
    events.pipeInput(
        cancelled.value(), at(cancelled, 2, EventType.FAILED, 1, 1, 6, "exec-a", failed));
    events.pipeInput(
        cancelled.value(),
        at(cancelled, 3, EventType.RETRY_SCHEDULED, 1, 1, 6, "exec-a", Json.object()));

    RunRecord run = store.find(cancelled.value()).orElseThrow();
    assertThat(run.status()).as("the cancel at epoch 2 stands").isEqualTo(RunStatus.CANCELLED);
    assertThat(run.epoch()).isEqualTo(2);
    assertThat(run.executorId()).isEqualTo("exec-b");
    assertThat(run.attempts())
        .extracting(a -> a.executorId() + "@" + a.epoch() + ":" + a.status())
        .containsExactly("exec-a@1:null", "exec-b@2:CANCELLED");
    assertThat(run.attempts().get(0).error()).isEqualTo("taken over by exec-b");

    RunId retried = RunId.of("takeover-start-lost-2");
    events.pipeInput(
        retried.value(), at(retried, 1, EventType.STARTED, 1, 1, 1, "exec-a", Json.object()));
    events.pipeInput(retried.value(), at(retried, 2, EventType.FAILED, 1, 2, 5, "exec-b", failed));
    events.pipeInput(
        retried.value(),
        at(retried, 3, EventType.RETRY_SCHEDULED, 1, 2, 5, "exec-b", Json.object()));
    events.pipeInput(
        retried.value(), at(retried, 2, EventType.CANCELLED, 1, 1, 6, "exec-a", Json.object()));
    assertThat(store.find(retried.value()).orElseThrow().status())
        .as("the late cancel of the execution taken over changes nothing")
        .isEqualTo(RunStatus.RETRYING);
    events.pipeInput(
        retried.value(), at(retried, 1, EventType.STARTED, 2, 1, 30, "exec-c", Json.object()));
    events.pipeInput(
        retried.value(), at(retried, 2, EventType.COMPLETED, 2, 1, 31, "exec-c", Json.object()));
    RunRecord done = store.find(retried.value()).orElseThrow();
    assertThat(done.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(done.attempt()).isEqualTo(2);
    assertThat(done.executorId()).isEqualTo("exec-c");
  }

  @Test
  void anAttemptThatEndsWithoutItsStartIsJudgedByItsOwnEpoch() {
    // an attempt's end that moves the run on without a start (a cancel while it was retrying) set
    // the attempt but kept the last attempt's epoch, by which this attempt's later events at a
    // lower epoch were stale
    RunId id = RunId.of("attempt-epoch");
    events.pipeInput(id.value(), at(id, 1, EventType.STARTED, 1, 3, 1, "exec-a", Json.object()));
    ObjectNode failed = retryFollows("boom", 2, T0.plusSeconds(5));
    events.pipeInput(id.value(), at(id, 2, EventType.FAILED, 1, 3, 2, "exec-a", failed));
    events.pipeInput(
        id.value(), at(id, 3, EventType.RETRY_SCHEDULED, 1, 3, 2, "exec-a", Json.object()));
    ObjectNode cancelledAgain = retryFollows("cancelled", 3, T0.plusSeconds(20));
    events.pipeInput(
        id.value(), at(id, 2, EventType.CANCELLED, 2, 1, 10, "exec-b", cancelledAgain));
    events.pipeInput(
        id.value(), at(id, 3, EventType.RETRY_SCHEDULED, 2, 1, 10, "exec-b", Json.object()));

    RunRecord run = store.find(id.value()).orElseThrow();
    assertThat(run.attempt()).isEqualTo(2);
    assertThat(run.epoch()).isEqualTo(1);
    assertThat(run.executorId()).isEqualTo("exec-b");
    assertThat(run.status())
        .as("attempt 2's own announcement of a retry, at its epoch 1, is not stale")
        .isEqualTo(RunStatus.RETRYING);
  }

  @Test
  void aRetriedRunShowsEachAttempt() {
    RunId id = RunId.of("run-8");
    events.pipeInput(id.value(), at(id, 1, EventType.STARTED, 1, 1, 1, "exec-a", Json.object()));
    Instant due = Instant.parse("2026-03-01T00:00:05Z");
    ObjectNode failed = retryFollows("boom", 2, due);
    events.pipeInput(id.value(), at(id, 2, EventType.FAILED, 1, 1, 2, "exec-a", failed));
    RunRecord between = store.find("run-8").orElseThrow();
    assertThat(between.status()).isEqualTo(RunStatus.FAILED);
    assertThat(between.attempts().get(0).retryAt())
        .as("the end said a retry follows: the run is not over")
        .isEqualTo(due);
    events.pipeInput(
        id.value(), at(id, 3, EventType.RETRY_SCHEDULED, 1, 1, 2, "exec-a", Json.object()));
    assertThat(store.find("run-8").orElseThrow().status()).isEqualTo(RunStatus.RETRYING);
    events.pipeInput(id.value(), at(id, 1, EventType.STARTED, 2, 1, 10, "exec-b", Json.object()));
    events.pipeInput(id.value(), at(id, 2, EventType.COMPLETED, 2, 1, 11, "exec-b", Json.object()));

    RunRecord run = store.find("run-8").orElseThrow();
    assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(run.attempt()).isEqualTo(2);
    assertThat(run.error()).isNull();
    assertThat(run.attempts()).hasSize(2);
    assertThat(run.attempts().get(0).status()).isEqualTo(RunStatus.FAILED);
    assertThat(run.attempts().get(0).error()).isEqualTo("boom");
    assertThat(run.attempts().get(0).retryAt()).isEqualTo(due);
    assertThat(run.attempts().get(1).status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(run.attempts().get(1).retryAt()).isNull();
  }

  @Test
  void aRetrysAttemptFollowsAnEndThatSaidSoThoughTheRetrysAnnouncementNeverCame() {
    RunId id = RunId.of("run-8b");
    ObjectNode failed = Json.object().put("error", "boom");
    failed.set(
        "next_attempt", Json.object().put("attempt", 2).put("due_at", "2026-03-01T00:00:05Z"));
    events.pipeInput(id.value(), at(id, 1, EventType.STARTED, 1, 1, 1, "exec-a", Json.object()));
    events.pipeInput(id.value(), at(id, 2, EventType.FAILED, 1, 1, 2, "exec-a", failed));
    // (the retry_scheduled that followed was in a transaction that aborted)
    events.pipeInput(id.value(), at(id, 1, EventType.STARTED, 2, 1, 10, "exec-b", Json.object()));
    assertThat(store.find("run-8b").orElseThrow().status()).isEqualTo(RunStatus.RUNNING);
    events.pipeInput(id.value(), at(id, 2, EventType.COMPLETED, 2, 1, 11, "exec-b", Json.object()));

    RunRecord run = store.find("run-8b").orElseThrow();
    assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(run.attempts())
        .extracting(a -> a.status())
        .containsExactly(RunStatus.FAILED, RunStatus.COMPLETED);

    // an end that said nothing of a retry is the run's end: a later attempt changes nothing
    RunId over = RunId.of("run-8c");
    events.pipeInput(
        over.value(), at(over, 1, EventType.STARTED, 1, 1, 1, "exec-a", Json.object()));
    events.pipeInput(
        over.value(),
        at(over, 2, EventType.FAILED, 1, 1, 2, "exec-a", Json.object().put("error", "boom")));
    events.pipeInput(
        over.value(), at(over, 1, EventType.STARTED, 2, 1, 10, "exec-b", Json.object()));
    assertThat(store.find("run-8c").orElseThrow().status()).isEqualTo(RunStatus.FAILED);
  }

  @Test
  void aRetryRefusedAtIntakeEndsTheRunInsteadOfLeavingItRetrying() {
    for (boolean announced : List.of(true, false)) {
      RunId id = RunId.of("run-8d-" + announced);
      ObjectNode failed = Json.object().put("error", "boom");
      failed.set(
          "next_attempt", Json.object().put("attempt", 2).put("due_at", "2026-03-01T00:00:05Z"));
      events.pipeInput(id.value(), at(id, 1, EventType.STARTED, 1, 1, 1, "exec-a", Json.object()));
      events.pipeInput(id.value(), at(id, 2, EventType.FAILED, 1, 1, 2, "exec-a", failed));
      if (announced) {
        events.pipeInput(
            id.value(), at(id, 3, EventType.RETRY_SCHEDULED, 1, 1, 2, "exec-a", Json.object()));
      }
      // the executor refused attempt 2's request: its job left the catalogue meanwhile
      events.pipeInput(
          id.value(),
          at(
              id,
              1,
              EventType.FAILED,
              2,
              0,
              10,
              "exec-b",
              Json.object().put("error", "unknown job 'flaky'")));

      RunRecord run = store.find(id.value()).orElseThrow();
      assertThat(run.status()).as("announced " + announced).isEqualTo(RunStatus.FAILED);
      assertThat(run.attempt()).isEqualTo(2);
      assertThat(run.error()).isEqualTo("unknown job 'flaky'");
      assertThat(run.retryDueAt()).isEmpty();
    }
  }

  @Test
  void warningsAndErrorsAreLoggedWithTheirLevelAndTheRunGoesOn() {
    RunId id = RunId.of("run-9");
    events.pipeInput(id.value(), event(id, 1, EventType.STARTED, 1, Json.object()));
    events.pipeInput(
        id.value(), event(id, 2, EventType.WARNING, 2, Json.object().put("message", "careful")));
    events.pipeInput(
        id.value(), event(id, 3, EventType.ERROR, 3, Json.object().put("message", "not fatal")));
    RunRecord run = store.find("run-9").orElseThrow();
    assertThat(run.status()).isEqualTo(RunStatus.RUNNING);
    assertThat(run.logs()).extracting(l -> l.level()).containsExactly("warning", "error");
  }

  @Test
  void cancelledTimedOutAndFailedRunsKeepTheirError() {
    for (EventType end : List.of(EventType.CANCELLED, EventType.TIMED_OUT, EventType.FAILED)) {
      RunId id = RunId.of("run-" + end);
      events.pipeInput(id.value(), event(id, 1, EventType.STARTED, 1, Json.object()));
      events.pipeInput(
          id.value(), event(id, 2, end, 2, Json.object().put("error", "because " + end)));
      RunRecord run = store.find(id.value()).orElseThrow();
      assertThat(run.status().name()).isEqualTo(end.name());
      assertThat(run.error()).isEqualTo("because " + end);
      assertThat(run.completedAt()).isEqualTo(T0.plusSeconds(2));
    }
  }

  @Test
  void aQueuedRunCancelledBeforeItStartsEndsCancelled() {
    RunId id = RunId.of("run-10");
    requests.pipeInput("t1", JobRequest.manual(id, "noop", null, "t1", T0, "api"));
    events.pipeInput(id.value(), event(id, 1, EventType.QUEUED, 1, Json.object()));
    assertThat(store.find("run-10").orElseThrow().status()).isEqualTo(RunStatus.QUEUED);
    events.pipeInput(
        id.value(),
        event(
            id,
            2,
            EventType.CANCELLED,
            2,
            Json.object().put("error", "cancelled before it started")));
    RunRecord run = store.find("run-10").orElseThrow();
    assertThat(run.status()).isEqualTo(RunStatus.CANCELLED);
    assertThat(run.startedAt()).isNull();
  }

  @Test
  void aMissedFireIsRecordedAsAMissedRunWithItsReason() {
    RunId id = RunId.of("run-11");
    var payload =
        Json.object().put("job_name", "noop").put("tenant_id", "t1").put("reason", "overlap");
    payload.set("trigger", Json.tree(Trigger.schedule("nightly", T0)));
    events.pipeInput(
        id.value(), new RunEvent(id, 1, EventType.MISSED, T0, "scheduler", 1, 0, payload));
    RunRecord run = store.find("run-11").orElseThrow();
    assertThat(run.status()).isEqualTo(RunStatus.MISSED);
    assertThat(run.error()).isEqualTo("overlap");
    assertThat(run.trigger().schedule()).isEqualTo("nightly");
  }

  @Test
  void logsBeyondTheCapAreDroppedAndTheRunIsMarkedTruncated() {
    driver.close();
    HistorySettings settings = new HistorySettings();
    settings.batchSize = 1;
    settings.maxLogsPerRun = 2;
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "history-cap-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    driver = new TopologyTestDriver(HistoryTopology.build(settings, sinks), props);
    events =
        driver.createInputTopic(
            Topics.EVENTS.name(),
            Serdes.String().serializer(),
            Topics.EVENTS.valueSerde().serializer());
    RunId id = RunId.of("run-12");
    for (int i = 1; i <= 4; i++) {
      events.pipeInput(
          id.value(), event(id, i, EventType.LOG, i, Json.object().put("message", "line " + i)));
    }
    RunRecord run = store.find("run-12").orElseThrow();
    assertThat(run.logs()).hasSize(2);
    assertThat(run.logsTruncated()).isTrue();
    var lines = logStore.page("run-12", 0, 10);
    assertThat(lines)
        .extracting(l -> l.entry().message())
        .containsExactly("line 1", "line 2", "log truncated: lines after the first 2 were dropped");
    assertThat(lines.get(2).marker()).isTrue();
  }

  /** An end's payload saying {@code error} and that attempt {@code next} follows at {@code due}. */
  private static ObjectNode retryFollows(String error, int next, Instant due) {
    ObjectNode end = Json.object().put("error", error);
    end.set("next_attempt", Json.object().put("attempt", next).put("due_at", due.toString()));
    return end;
  }

  private static RunEvent at(
      RunId id,
      long seq,
      EventType type,
      int attempt,
      long epoch,
      int second,
      String executor,
      JsonNode payload) {
    return new RunEvent(id, seq, type, T0.plusSeconds(second), executor, attempt, epoch, payload);
  }

  private static RunEvent event(RunId id, long seq, EventType type, int second, JsonNode payload) {
    return new RunEvent(id, seq, type, T0.plusSeconds(second), "executor-1", 1, 1, payload);
  }
}
