package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.run.LogEntry;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import io.jobline.wire.Scope;
import io.jobline.wire.Trigger;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Why a job was asked to stop, as its outcome reads it. */
class RunContextTest {
  private static final Instant T0 = Instant.parse("2026-12-05T12:00:00Z");

  private static RunContext context() {
    JobRequest request =
        JobRequest.of(
            RunId.of("r1"), "job", Json.object(), "t1", null, null, Trigger.manual(), T0, "t");
    return new RunContext(
        request,
        Scope.TENANT,
        List.of(),
        new EventPublisher(),
        "exec-a",
        Clock.fixed(T0, ZoneOffset.UTC),
        1,
        3,
        () -> false);
  }

  @Test
  void aStopAskedForBeforeTheJobReturnedIsItsOutcomesReasonAndTheFirstWins() {
    RunContext ctx = context();
    ctx.requestStop(StopReason.TIMEOUT);
    ctx.requestStop(StopReason.CANCEL);
    assertThat(ctx.settle()).isEqualTo(StopReason.TIMEOUT);
  }

  @Test
  void aTimeoutOrCancelAsTheJobReturnsChangesNothingButAFenceStillCounts() {
    // found by review: the watchdog's timeout, set between the job's return and the read of the
    // reason, turned a completed run into one timed out, which was retried: it ran twice
    RunContext ctx = context();
    assertThat(ctx.settle()).isNull();
    ctx.requestStop(StopReason.TIMEOUT);
    ctx.requestStop(StopReason.CANCEL);
    assertThat(ctx.stopReason()).isNull();

    ctx.requestStop(StopReason.FENCED); // (its end is then not published: it may run elsewhere)
    assertThat(ctx.stopReason()).isEqualTo(StopReason.FENCED);
  }

  @Test
  void aJobThatLogsALotKeepsItsLastLinesOnlyOldestFirst() {
    // found by review: every line copied all the lines before it (200,000 lines took minutes), and
    // all were kept on the heap for as long as the job ran
    RunContext ctx = context();
    int lines = KeptLines.KEPT + 5;
    for (int i = 0; i < lines; i++) {
      ctx.log("line " + i);
    }

    List<LogEntry> kept = ctx.getLogs();
    assertThat(kept).hasSize(KeptLines.KEPT);
    assertThat(kept.get(0).message()).isEqualTo("line 5");
    assertThat(kept.get(KeptLines.KEPT - 1).message()).isEqualTo("line " + (lines - 1));
  }
}
