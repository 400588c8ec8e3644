package io.jobline.app.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.app.chaos.Checker.Execution;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongUnaryOperator;
import org.junit.jupiter.api.Test;

class RecoveryTest {
  /**
   * A steady load of 10 runs a second from {@code from} to {@code to}, each starting {@code wait}
   * ms after acceptance.
   */
  private static void load(
      List<Execution> executions,
      List<Load.Accepted> accepted,
      long from,
      long to,
      LongUnaryOperator startOf) {
    for (long t = from; t < to; t += 100) {
      String id = "r" + t;
      accepted.add(new Load.Accepted(id, t, "rest"));
      long start = startOf.applyAsLong(t);
      executions.add(new Execution(id, 1, 1, "executor-1", start, start + 50, "done"));
    }
  }

  @Test
  void theLoadCountsAsServedAgainOnlyOnceNewRunsStartPromptlyNotWhenABacklogDrains() {
    List<Execution> executions = new ArrayList<>();
    List<Load.Accepted> accepted = new ArrayList<>();
    // the fault ends at 10 s; runs accepted before 16 s wait 5 s (a backlog drains), later ones
    // start at once
    load(executions, accepted, 0, 30_000, t -> t < 16_000 ? t + 5_000 : t + 20);
    Double recovery = Recovery.recoverySeconds(executions, accepted, 10.0, 2000, 10_000, 30_000);
    // completions run at the rate all along; from 13.5 s on, half the runs of the next 5 s start at
    // once
    assertThat(recovery).isEqualTo(3.5);
  }

  @Test
  void aLoadServedPromptlyRightAfterTheFaultRecoversAtOnce() {
    List<Execution> executions = new ArrayList<>();
    List<Load.Accepted> accepted = new ArrayList<>();
    load(executions, accepted, 0, 30_000, t -> t + 20);
    assertThat(Recovery.recoverySeconds(executions, accepted, 10.0, 2000, 10_000, 30_000))
        .isEqualTo(0.0);
  }

  @Test
  void aLoadThatNeverStartsPromptlyAgainHasNoRecovery() {
    List<Execution> executions = new ArrayList<>();
    List<Load.Accepted> accepted = new ArrayList<>();
    load(executions, accepted, 0, 30_000, t -> t + 5_000);
    assertThat(Recovery.recoverySeconds(executions, accepted, 10.0, 2000, 10_000, 30_000)).isNull();
  }

  @Test
  void promptIsThreeTimesTheWarmUpsMedianWaitAndAtLeastTwoSeconds() {
    List<Execution> executions = new ArrayList<>();
    List<Load.Accepted> accepted = new ArrayList<>();
    // most runs wait 1 s; every tenth waits 30 s (a minute's burst of fires): the median is not
    // moved by them
    load(executions, accepted, 0, 10_000, t -> t + (t % 1000 == 0 ? 30_000 : 1_000));
    assertThat(Recovery.servedPromptly(executions, accepted, 0, 10_000)).isEqualTo(3_000);
    assertThat(Recovery.servedPromptly(executions, accepted, 20_000, 30_000))
        .as("no runs: the floor")
        .isEqualTo(2_000);
  }
}
