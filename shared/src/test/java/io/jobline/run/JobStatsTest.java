package io.jobline.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.wire.RunId;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobStatsTest {
  private static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");

  /** Run {@code i}: ends at T0 + i s after i ms, failed every tenth. */
  private static RunRecord ended(int i) {
    Instant end = T0.plusSeconds(i);
    return new RunRecord(
        RunId.of("r" + i),
        "job",
        "t1",
        null,
        null,
        i % 10 == 9 ? RunStatus.FAILED : RunStatus.COMPLETED,
        1,
        1,
        "executor-1",
        end.minusMillis(i + 1L),
        end.minusMillis(i),
        end,
        null,
        i % 10 == 9 ? "boom " + i : null,
        null,
        null,
        List.of(),
        false,
        List.of(),
        null,
        null);
  }

  @Test
  void keepsTheLastThousandDurationsInTheOrderTheRunsEndedAndCountsEveryRun() {
    JobStats s = JobStats.empty("job", null);
    for (int i = 0; i < JobStats.DURATIONS_KEPT + 250; i++) {
      JobStats before = s;
      s = s.plus(ended(i));
      assertThat(before.durations())
          .as("the statistics before are left as they were")
          .hasSize(Math.min(i, JobStats.DURATIONS_KEPT));
    }
    assertThat(s.durations()).hasSize(JobStats.DURATIONS_KEPT);
    assertThat(s.durations().get(0))
        .isEqualTo(new JobStats.Timed(T0.plusSeconds(250).toEpochMilli(), 0.25));
    assertThat(s.durations().get(JobStats.DURATIONS_KEPT - 1))
        .isEqualTo(new JobStats.Timed(T0.plusSeconds(1249).toEpochMilli(), 1.249));
    assertThat(s.counts()).containsEntry("completed", 1125L).containsEntry("failed", 125L);
    assertThat(s.maxDurationSeconds()).isEqualTo(1.249);
    assertThat(s.lastFailure().runId()).isEqualTo("r1249");
  }
}
