package io.jobline.history;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.run.Attempt;
import io.jobline.run.LogEntry;
import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.topic.JsonSerde;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The run state history writes, kept within one Kafka record. */
class StateFitTest {
  private static final Instant T0 = Instant.parse("2026-12-05T08:00:00Z");
  private static final String TOPIC = "history-runs-changelog";

  private static RunRecord run(String result, List<LogEntry> logs, List<Attempt> attempts) {
    return new RunRecord(
        RunId.of("r1"),
        "job",
        "t1",
        Json.object().put("a", 1),
        null,
        RunStatus.COMPLETED,
        attempts.size(),
        1,
        "exec-a",
        T0,
        T0,
        T0.plusSeconds(1),
        Json.object().put("text", result),
        null,
        100,
        null,
        logs,
        false,
        attempts,
        null,
        Map.of("1:1", 3L),
        null);
  }

  @Test
  void aRunThatFitsIsWrittenAsItIs() {
    RunRecord small = run("ok", List.of(), List.of());
    byte[] plain = new JsonSerde<>(RunRecord.class).serializer().serialize(TOPIC, small);
    assertThat(HistoryTopology.RECORD.serializer().serialize(TOPIC, small)).isEqualTo(plain);
  }

  @Test
  void aRunOverOneRecordIsKeptAsItsStub() {
    // 4,000 log lines of 250 NUL characters each: within the fold's budget of characters, but six
    // bytes a character in JSON; with a result of 600 KB, 7 MB in all
    List<LogEntry> logs = new ArrayList<>();
    for (int i = 0; i < 4_000; i++) {
      logs.add(new LogEntry(T0, "info", "\u0000".repeat(250), null));
    }
    List<Attempt> attempts = new ArrayList<>();
    for (int i = 1; i <= 100; i++) {
      attempts.add(new Attempt(i, 1, "exec-a", T0, T0, RunStatus.FAILED, "x".repeat(1024), null));
    }
    RunRecord big = run("r".repeat(600_000), logs, attempts);

    byte[] bytes = HistoryTopology.RECORD.serializer().serialize(TOPIC, big);

    assertThat(bytes.length).isLessThanOrEqualTo(StateFit.MAX_BYTES);
    RunRecord read = HistoryTopology.RECORD.deserializer().deserialize(TOPIC, bytes);
    assertThat(read).isEqualTo(RunState.stub(big));
    assertThat(RunState.isStub(read)).isTrue();
    assertThat(read.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(read.appliedSeq()).isEqualTo(big.appliedSeq());
  }

  @Test
  void theNextInputOfARunKeptAsItsStubIsFoldedOntoItAsMongoDbHoldsIt() {
    // found by review of the first fix: a cut copy in the state was folded on and written over
    // the whole run MongoDB held, its result, params and log lines lost
    ProcessorHarness task = new ProcessorHarness(new HistorySettings(), T0);
    task.processor.init(task.context);
    task.input(
        JobRequest.manual(RunId.of("big"), "noop", Json.object().put("p", 7), "t1", T0, "api"), 0);
    task.start("big", T0, 1);
    for (int i = 0; i < 60; i++) { // 240,000 NUL characters: 1.4 MB of JSON
      task.input(
          new RunEvent(
              RunId.of("big"),
              2 + i,
              EventType.LOG,
              T0.plusMillis(100 + i),
              "executor-1",
              1,
              1,
              Json.object().put("message", "\u0000".repeat(4_000))),
          2 + i);
    }
    task.commit();
    assertThat(task.stored.find("big").orElseThrow().logs()).hasSize(60);

    task.input(
        new RunEvent(
            RunId.of("big"),
            100,
            EventType.COMPLETED,
            T0.plusSeconds(1),
            "executor-1",
            1,
            1,
            Json.object().set("result", Json.object().put("ok", true))),
        100);
    task.commit();

    RunRecord stored = task.stored.find("big").orElseThrow();
    assertThat(stored.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(stored.params().path("p").asInt()).isEqualTo(7);
    assertThat(stored.result().path("ok").asBoolean()).isTrue();
    assertThat(stored.logs()).hasSize(60);
    task.at(T0.plusSeconds(5)); // (past the statistics' interval: the next commit writes them)
    task.commit();
    assertThat(task.statsWrites.get(task.statsWrites.size() - 1))
        .as("its end counted once, in the job's and the job-and-tenant's statistics")
        .hasSize(2)
        .allSatisfy(st -> assertThat(st.counts().get("completed")).isEqualTo(1L));
  }
}
