package io.jobline.history;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** An executor's refusal of a request (an end at epoch 0), folded onto its run. */
class RunFoldRefusalTest {
  private static final Instant T0 = Instant.parse("2026-12-05T08:00:00Z");
  private final RunFold fold = new RunFold(100);

  private static RunEvent event(long seq, EventType type, int attempt, long epoch) {
    return new RunEvent(
        RunId.of("r1"),
        seq,
        type,
        T0.plusSeconds(seq),
        "exec-a",
        attempt,
        epoch,
        Json.object().put("error", "refused").put("job_name", "job").put("tenant_id", "t1"));
  }

  private RunRecord queued() {
    return fold.apply(
        "r1",
        RunInput.of(JobRequest.manual(RunId.of("r1"), "job", Json.object(), "t1", T0, "api")),
        null);
  }

  @Test
  void aRefusalOfARunsRequestReadAgainAfterItStartedEndsIt() {
    // found by review: the request of a run that started here, read again by the next owner
    // (after a crash or a shutdown that handed it back) and refused there (its job gone in a
    // deploy), ends the run with that refusal; a stricter stale check left it running for good
    RunRecord running = fold.apply("r1", RunInput.of(event(1, EventType.STARTED, 1, 3)), queued());
    assertThat(fold.apply("r1", RunInput.of(event(1, EventType.FAILED, 1, 0)), running).status())
        .isEqualTo(RunStatus.FAILED);
  }

  @Test
  void aRefusalStillFailsARunThatNeverStartedAndARetryOfOne() {
    assertThat(fold.apply("r1", RunInput.of(event(1, EventType.FAILED, 1, 0)), queued()).status())
        .isEqualTo(RunStatus.FAILED);
    RunRecord failed =
        fold.apply(
            "r1",
            RunInput.of(event(2, EventType.FAILED, 1, 3)),
            fold.apply("r1", RunInput.of(event(1, EventType.STARTED, 1, 3)), queued()));
    assertThat(failed.status()).isEqualTo(RunStatus.FAILED);
  }

  @Test
  void aRefusalOfAnEarlierAttemptsRequestLeavesTheAttemptRunningAsItIs() {
    // found by review: a copy of attempt 1's request, refused (epoch 0) while attempt 2 ran, ended
    // the run failed at attempt 2 with attempt 1's refusal, and attempt 2's own end was refused
    RunEvent failed = event(2, EventType.FAILED, 1, 3);
    ((ObjectNode) failed.payload())
        .putObject("next_attempt")
        .put("due_at", T0.plusSeconds(60).toString());
    RunRecord failedOnce =
        fold.apply(
            "r1",
            RunInput.of(failed),
            fold.apply("r1", RunInput.of(event(1, EventType.STARTED, 1, 3)), queued()));
    RunRecord secondRunning =
        fold.apply("r1", RunInput.of(event(1, EventType.STARTED, 2, 4)), failedOnce);
    assertThat(secondRunning.status()).isEqualTo(RunStatus.RUNNING);

    RunRecord afterRefusal =
        fold.apply("r1", RunInput.of(event(3, EventType.FAILED, 1, 0)), secondRunning);

    assertThat(afterRefusal.status()).isEqualTo(RunStatus.RUNNING);
    assertThat(afterRefusal.error()).isNull();
    assertThat(afterRefusal.attempts()).isEqualTo(secondRunning.attempts());
    assertThat(
            fold.apply("r1", RunInput.of(event(2, EventType.COMPLETED, 2, 4)), afterRefusal)
                .status())
        .isEqualTo(RunStatus.COMPLETED);
  }
}
