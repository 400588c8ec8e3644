package io.jobline.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.wire.RunId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class JobStatsTest {
  private static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");

  /** Run {@code i}: ends at T0 + i s after i ms, failed every tenth. */
  private static RunRecord ended(int i) {
    Instant end = T0.plusSeconds(i);
    return run(i, i % 10 == 9, end.minusMillis(i + 1L), end.minusMillis(i), end);
  }

  /** Run {@code i}, failed with "boom i" or completed, requested, started and ended then. */
  private static RunRecord run(
      int i, boolean failed, Instant requested, Instant started, Instant end) {
    return new RunRecord(
        RunId.of("r" + i),
        "job",
        "t1",
        null,
        null,
        failed ? RunStatus.FAILED : RunStatus.COMPLETED,
        1,
        1,
        "executor-1",
        requested,
        started,
        end,
        null,
        failed ? "boom " + i : null,
        null,
        null,
        List.of(),
        false,
        List.of(),
        null,
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

  @Test
  void addingRunsInBatchesOfAnySizeGivesWhatAddingThemOneByOneGives() {
    Random random = new Random(14);
    for (int trial = 0; trial < 40; trial++) {
      JobStats start = JobStats.empty("job", null);
      int before = random.nextInt(1200);
      for (int i = 0; i < before; i++) {
        start = start.plus(ended(i));
      }
      JobStats oneByOne = start;
      JobStats batched = start;
      int n = before;
      for (int batch = 0; batch < 3; batch++) {
        List<RunRecord> runs = new ArrayList<>();
        int size = random.nextInt(trial % 5 == 0 ? 2500 : 40);
        for (int i = 0; i < size; i++) {
          RunRecord r = n % 7 == 3 ? unstarted(n) : ended(n);
          runs.add(r);
          oneByOne = oneByOne.plus(r);
          n++;
        }
        batched = batched.plusAll(runs);
        assertThat(batched)
            .as("trial %d, batch %d of %d runs", trial, batch, size)
            .isEqualTo(oneByOne);
      }
    }
  }

  @Test
  void statisticsThenThoseOfLaterRunsAreTheStatisticsOfAllTheRunsAddedInOrder() {
    Random random = new Random(4);
    for (int trial = 0; trial < 60; trial++) {
      JobStats all = JobStats.empty("job", "t1");
      JobStats pieced = JobStats.empty("job", "t1");
      int n = 0;
      for (int piece = 0; piece < 4; piece++) {
        List<RunRecord> runs = new ArrayList<>();
        int size = random.nextInt(trial % 6 == 0 ? 1500 : 30);
        for (int i = 0; i < size; i++, n++) {
          runs.add(n % 7 == 3 ? unstarted(n) : trial % 2 == 0 ? ended(n) : anyOrder(n, random));
        }
        all = all.plusAll(runs);
        pieced = pieced.then(JobStats.empty("job", "t1").plusAll(runs));
        assertThat(pieced).as("trial %d, piece %d of %d runs", trial, piece, size).isEqualTo(all);
      }
    }
    JobStats failed = JobStats.empty("job", null).plus(ended(9));
    assertThat(failed.then(JobStats.empty("job", null).plus(ended(10))).lastFailure())
        .as("a later piece without a failure keeps the last one")
        .isEqualTo(failed.lastFailure());
  }

  /**
   * Run {@code i} at a random time and of a random length, failed every fifth: a later run may be
   * shorter, or requested earlier, than one before it.
   */
  private static RunRecord anyOrder(int i, Random random) {
    Instant requested = T0.plusMillis(random.nextInt(100_000));
    Instant started = requested.plusMillis(random.nextInt(50));
    return run(i, i % 5 == 4, requested, started, started.plusMillis(random.nextInt(5_000)));
  }

  /** Run {@code i} cancelled before it started: counted, no duration. */
  private static RunRecord unstarted(int i) {
    RunRecord r = ended(i);
    return new RunRecord(
        r.runId(),
        r.jobName(),
        r.tenantId(),
        null,
        null,
        RunStatus.CANCELLED,
        1,
        1,
        null,
        r.requestedAt(),
        null,
        r.completedAt(),
        null,
        null,
        null,
        null,
        List.of(),
        false,
        List.of(),
        null,
        null,
        null);
  }
}
