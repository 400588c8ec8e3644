package io.jobline.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RunStatusTest {
  @Test
  void aQueuedRunStartsAndCompletes() {
    assertThat(RunStatus.QUEUED.moveTo(RunStatus.RUNNING).moveTo(RunStatus.COMPLETED))
        .isEqualTo(RunStatus.COMPLETED);
    assertThat(RunStatus.COMPLETED.isTerminal()).isTrue();
  }

  @Test
  void aCompletedRunCannotStartAgain() {
    assertThatThrownBy(() -> RunStatus.COMPLETED.moveTo(RunStatus.RUNNING))
        .isInstanceOf(IllegalTransitionException.class)
        .hasMessage("illegal run transition completed -> running");
  }

  @Test
  void aFailedRunMayBeRetried() {
    assertThat(RunStatus.FAILED.canMoveTo(RunStatus.RETRYING)).isTrue();
    assertThat(RunStatus.RETRYING.canMoveTo(RunStatus.QUEUED)).isTrue();
  }

  @Test
  void statusesUseTheSeedVocabularyOnTheWire() {
    assertThat(RunStatus.TIMED_OUT.wire()).isEqualTo("timed_out");
    assertThat(RunStatus.fromWire("completed")).isEqualTo(RunStatus.COMPLETED);
  }
}
