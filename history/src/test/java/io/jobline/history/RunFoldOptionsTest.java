package io.jobline.history;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.run.RunOptions;
import io.jobline.run.RunRecord;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import io.jobline.wire.Scope;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * What a run's request asked for beyond its job's settings is kept with the run (a retry by hand
 * runs with it: found by review, it ran with the job's own).
 */
class RunFoldOptionsTest {
  private static final Instant T0 = Instant.parse("2026-12-05T08:00:00Z");
  private final RunFold fold = new RunFold(1000);

  private static JobRequest request(int attempt, Scope scope, Integer timeout) {
    return new JobRequest(
        RunId.of("r1"),
        "job",
        Json.object(),
        "t1",
        scope,
        attempt,
        3,
        timeout,
        null,
        T0,
        "api",
        null,
        attempt == 1 && scope != null ? 7 : null,
        null);
  }

  @Test
  void theRequestsOptionsAreKeptThroughTheRunsEvents() {
    RunRecord run = fold.apply("r1", RunInput.of(request(1, Scope.PARENT_TENANT, 5)), null);
    run =
        fold.apply(
            "r1",
            RunInput.of(
                new RunEvent(
                    RunId.of("r1"),
                    1,
                    EventType.FAILED,
                    T0.plusSeconds(1),
                    "e",
                    1,
                    1,
                    Json.object().put("error", "boom"))),
            run);
    assertThat(run.options()).isEqualTo(new RunOptions(Scope.PARENT_TENANT, 5, 7, null));

    // a later attempt's request asking nothing (one an earlier version's api sent) keeps them
    run = fold.apply("r1", RunInput.of(request(2, null, null)), run);
    assertThat(run.options()).isEqualTo(new RunOptions(Scope.PARENT_TENANT, 5, 7, null));
  }

  @Test
  void aRequestAskingNothingLeavesThemToTheJob() {
    RunRecord run = fold.apply("r1", RunInput.of(request(1, null, null)), null);
    assertThat(run.options()).isNull();
  }
}
