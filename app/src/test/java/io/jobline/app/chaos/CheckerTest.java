package io.jobline.app.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.app.chaos.Checker.Execution;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CheckerTest {
  @Test
  void aTakeoverWhileTheFirstExecutionStillWorkedIsADoubleExecution() {
    List<Execution> all =
        List.of(
            new Execution("r1", 1, 1, "executor-1", 1_000, 6_000L, "done"),
            new Execution("r1", 1, 2, "executor-2", 4_000, 9_000L, "done"));
    assertThat(Checker.doubleExecutions(all, Map.of())).containsExactly(4_000L);
  }

  @Test
  void aTakeoverAfterTheFirstProcessWasKilledIsNot() {
    List<Execution> all =
        List.of(
            new Execution("r1", 1, 1, "executor-1", 1_000, null, null),
            new Execution("r1", 1, 2, "executor-2", 4_000, 9_000L, "done"));
    assertThat(Checker.doubleExecutions(all, Map.of("executor-1", List.of(3_000L)))).isEmpty();
    assertThat(Checker.doubleExecutions(all, Map.of()))
        .as("not killed: it may still run")
        .containsExactly(4_000L);
  }

  @Test
  void aZombieThatStoppedOnWakingAndRunsOneAfterTheOtherAreNotDoubleExecutions() {
    List<Execution> all =
        List.of(
            new Execution("r1", 1, 1, "executor-1", 1_000, 20_000L, "stopped"),
            new Execution("r1", 1, 2, "executor-2", 12_000, 13_000L, "done"),
            new Execution("r2", 1, 1, "executor-1", 1_000, 2_000L, "done"),
            new Execution("r2", 1, 1, "executor-1", 3_000, 4_000L, "done"),
            new Execution("r3", 1, 1, "executor-1", 1_000, 2_000L, "done"),
            new Execution("r3", 2, 1, "executor-1", 1_500, 4_000L, "done"));
    assertThat(Checker.doubleExecutions(all, Map.of())).isEmpty();
    assertThat(Checker.doneMoreThanOnce(all)).containsOnlyKeys("r2");
  }
}
