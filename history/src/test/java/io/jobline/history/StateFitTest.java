package io.jobline.history;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.run.Attempt;
import io.jobline.run.LogEntry;
import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.topic.JsonSerde;
import io.jobline.wire.Json;
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
  void aRunOverOneRecordIsWrittenCutKeepingItsStatusAndSayingSo() {
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
    assertThat(read.runId()).isEqualTo(big.runId());
    assertThat(read.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(read.completedAt()).isEqualTo(big.completedAt());
    assertThat(read.appliedSeq()).isEqualTo(big.appliedSeq());
    assertThat(read.result()).isNull();
    assertThat(read.logs()).hasSize(StateFit.KEPT_LOG_LINES);
    assertThat(read.logsTruncated()).isTrue();
    assertThat(read.attempts()).hasSize(StateFit.KEPT_ATTEMPTS);
    assertThat(read.attempts().get(StateFit.KEPT_ATTEMPTS - 1).attempt()).isEqualTo(100);
    assertThat(read.error()).startsWith("history kept this run cut to fit one Kafka record");
  }
}
