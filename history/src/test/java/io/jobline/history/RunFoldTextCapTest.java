package io.jobline.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a run keeps of text nothing upstream bounds: found by review, a run with a thousand stack
 * traces as log lines, or an error of 600 KB (kept as the run's and its attempt's), was past
 * Kafka's largest record; its state's changelog write then stopped the partition's stream thread at
 * every restart.
 */
class RunFoldTextCapTest {
  private static final Instant T0 = Instant.parse("2026-12-05T08:00:00Z");
  private final RunFold fold = new RunFold(1000);

  private static RunEvent event(long seq, EventType type, String field, String text) {
    return new RunEvent(
        RunId.of("r1"),
        seq,
        type,
        T0.plusSeconds(seq),
        "exec-a",
        1,
        1,
        Json.object().put(field, text).put("job_name", "job").put("tenant_id", "t1"));
  }

  @Test
  void aRunKeepsAtMostItsBudgetOfLogTextAndOfErrorText() throws Exception {
    JobRequest request = JobRequest.manual(RunId.of("r1"), "job", Json.object(), "t1", T0, "api");
    RunRecord run = fold.apply("r1", RunInput.of(request), null);
    run = fold.apply("r1", RunInput.of(event(1, EventType.STARTED, "executor_id", "e")), run);
    String trace = "at io.jobline.Some.frame(Some.java:1)\n".repeat(300); // ~11 KB a line
    for (int i = 0; i < 1000; i++) {
      run = fold.apply("r1", RunInput.of(event(2 + i, EventType.LOG, "message", trace)), run);
    }
    String huge = "x".repeat(600_000);
    run = fold.apply("r1", RunInput.of(event(1002, EventType.FAILED, "error", huge)), run);

    assertThat(run.status()).isEqualTo(RunStatus.FAILED);
    assertThat(run.logs()).allSatisfy(l -> assertThat(l.message().length()).isLessThan(8_300));
    assertThat(run.logs().stream().mapToLong(l -> l.message().length()).sum())
        .isLessThanOrEqualTo(RunFold.MAX_LOG_CHARS);
    assertThat(run.logsTruncated()).isTrue();
    assertThat(run.logs().get(0).message()).endsWith("more characters)");
    assertThat(run.error()).hasSizeLessThan(8_300).startsWith("xxx").contains("591");
    assertThat(run.attempts()).allSatisfy(a -> assertThat(a.error()).hasSizeLessThan(1_100));
    assertThat(Json.mapper().writeValueAsBytes(run).length).isLessThan(400_000);
  }

  @Test
  void aCutNeverSplitsASurrogatePair() {
    String text = "a".repeat(RunFold.MAX_TEXT_CHARS - 1) + "😀" + "b";
    String cut = RunFold.capped(text, RunFold.MAX_TEXT_CHARS);
    assertThat(cut).startsWith("a".repeat(RunFold.MAX_TEXT_CHARS - 1) + "… (3 more characters)");
  }

  @Test
  void anExecutorIdOrProgressMessageOfHalfAMegabyteIsCut() {
    // found by review: kept on the run and on its attempt, the id put the run's state over 1 MB
    JobRequest request = JobRequest.manual(RunId.of("r1"), "job", Json.object(), "t1", T0, "api");
    RunRecord run = fold.apply("r1", RunInput.of(request), null);
    String huge = "e".repeat(530_000);
    RunEvent start =
        new RunEvent(RunId.of("r1"), 1, EventType.STARTED, T0, huge, 1, 1, Json.object());
    run = fold.apply("r1", RunInput.of(start), run);
    run =
        fold.apply(
            "r1",
            RunInput.of(
                new RunEvent(
                    RunId.of("r1"),
                    2,
                    EventType.PROGRESS,
                    T0,
                    huge,
                    1,
                    1,
                    Json.object().put("percentage", 50).put("message", huge))),
            run);

    assertThat(run.status()).isEqualTo(RunStatus.RUNNING);
    assertThat(run.executorId()).hasSizeLessThan(300).startsWith("eee");
    assertThat(run.attempts()).allSatisfy(a -> assertThat(a.executorId()).hasSizeLessThan(300));
    assertThat(run.progressMessage()).hasSizeLessThan(8_300);
  }

  @Test
  void anEventWithANegativeEpochOrAnAttemptBelowOneIsRefusedNotFolded() {
    // found by review: an end at epoch -1 (or 0 at attempt -1) passed the stale check and ended a
    // running run; the processor sets a record the fold refuses aside
    JobRequest request = JobRequest.manual(RunId.of("r1"), "job", Json.object(), "t1", T0, "api");
    RunRecord run = fold.apply("r1", RunInput.of(request), null);
    RunRecord running =
        fold.apply("r1", RunInput.of(event(1, EventType.STARTED, "executor_id", "e")), run);
    for (RunEvent bad :
        List.of(
            new RunEvent(RunId.of("r1"), 1, EventType.FAILED, T0, "x", 1, -1, Json.object()),
            new RunEvent(RunId.of("r1"), 1, EventType.FAILED, T0, "x", -1, 0, Json.object()),
            new RunEvent(RunId.of("r1"), -3, EventType.FAILED, T0, "x", 1, 1, Json.object()))) {
      assertThatThrownBy(() -> fold.apply("r1", RunInput.of(bad), running))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("attempt");
    }

    // (found by review of the first fix: the executor's refusal of a request of attempt 0 named
    // attempt 0, was set aside, and the run read queued for ever; it names attempt 1)
    JobRequest zero =
        new JobRequest(
            RunId.of("r2"),
            "job",
            Json.object(),
            "t1",
            null,
            0,
            null,
            null,
            null,
            T0,
            "api",
            null,
            null,
            null);
    RunRecord queued = fold.apply("r2", RunInput.of(zero), null);
    RunEvent refusal =
        new RunEvent(
            RunId.of("r2"),
            1,
            EventType.FAILED,
            T0,
            "exec-a",
            zero.attemptOrFirst(),
            0,
            Json.object().put("error", "attempt must be 1 or more"));
    assertThat(fold.apply("r2", RunInput.of(refusal), queued).status()).isEqualTo(RunStatus.FAILED);
  }
}
