package io.jobline.history;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A run's progress is its current attempt's: found by review, a job abandoned after its timeout or
 * a cancel went on reporting progress, which moved the ended run's (or the next attempt's).
 */
class RunFoldProgressTest {
  private static final Instant T0 = Instant.parse("2026-12-05T08:00:00Z");
  private final RunFold fold = new RunFold(1000);

  private static RunEvent event(long seq, EventType type, int attempt, int pct) {
    return new RunEvent(
        RunId.of("r1"),
        seq,
        type,
        T0.plusSeconds(seq),
        "exec-a",
        attempt,
        1,
        type == EventType.PROGRESS
            ? Json.object().put("percentage", pct).put("message", "at " + pct)
            : Json.object().put("error", "timed out"));
  }

  private RunRecord apply(RunRecord run, RunEvent e) {
    return fold.apply("r1", RunInput.of(e), run);
  }

  @Test
  void progressAfterItsAttemptEndedOrFromAnEarlierAttemptIsLoggedButMovesNothing() {
    JobRequest request = JobRequest.manual(RunId.of("r1"), "job", Json.object(), "t1", T0, "api");
    RunRecord run = fold.apply("r1", RunInput.of(request), null);
    run = apply(run, event(1, EventType.STARTED, 1, 0));
    run = apply(run, event(2, EventType.PROGRESS, 1, 40));
    run = apply(run, event(3, EventType.TIMED_OUT, 1, 0));
    assertThat(run.status()).isEqualTo(RunStatus.TIMED_OUT);

    run = apply(run, event(4, EventType.PROGRESS, 1, 90)); // (abandoned, it goes on)
    assertThat(run.progress()).isEqualTo(40);
    assertThat(run.progressMessage()).isEqualTo("at 40");
    assertThat(run.logs()).extracting(l -> l.message()).contains("at 90");

    run = apply(run, event(5, EventType.RETRY_SCHEDULED, 1, 0));
    assertThat(run.status()).isEqualTo(RunStatus.RETRYING);
    run = apply(run, event(6, EventType.PROGRESS, 1, 95)); // (still going while the retry waits)
    assertThat(run.progress()).isEqualTo(40);

    run = apply(run, event(1, EventType.STARTED, 2, 0));
    run = apply(run, event(2, EventType.PROGRESS, 2, 10));
    run = apply(run, event(7, EventType.PROGRESS, 1, 96)); // (attempt 1's, still going)
    assertThat(run.attempt()).isEqualTo(2);
    assertThat(run.status()).isEqualTo(RunStatus.RUNNING);
    assertThat(run.progress()).isEqualTo(10);
  }
}
