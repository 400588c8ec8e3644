package io.jobline.topic;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CommitPaceTest {
  private static final long MS = 1_000_000L;

  @Test
  void aQuickBrokerIsCommittedToAtTheInterval() {
    CommitPace pace = new CommitPace(200 * MS, 0);
    assertThat(pace.due(199 * MS)).isFalse();
    assertThat(pace.due(200 * MS)).isTrue();
    pace.committed(200 * MS, 205 * MS);
    assertThat(pace.due(404 * MS)).isFalse();
    assertThat(pace.due(405 * MS)).isTrue();
  }

  @Test
  void aSlowCommitIsFollowedByFourTimesItsLengthOfWorkBeforeTheNext() {
    CommitPace pace = new CommitPace(200 * MS, 0);
    pace.committed(200 * MS, 400 * MS); // took 200 ms: the poll thread works 800 ms before the next
    assertThat(pace.due(1_199 * MS)).isFalse();
    assertThat(pace.due(1_200 * MS)).isTrue();
  }

  @Test
  void aPaceOfOnceItsLengthWorksAsLongAsTheLastCommitTook() {
    CommitPace pace = new CommitPace(100 * MS, 0, 1);
    pace.committed(100 * MS, 400 * MS); // took 300 ms: 300 ms of work before the next
    assertThat(pace.due(699 * MS)).isFalse();
    assertThat(pace.due(700 * MS)).isTrue();
    pace.committed(700 * MS, 720 * MS); // quick again: the interval
    assertThat(pace.due(819 * MS)).isFalse();
    assertThat(pace.due(820 * MS)).isTrue();
  }

  @Test
  void theBrokerAnsweringQuicklyAgainBringsTheIntervalBack() {
    CommitPace pace = new CommitPace(200 * MS, 0);
    pace.committed(0, 500 * MS);
    pace.committed(2_500 * MS, 2_510 * MS);
    assertThat(pace.due(2_710 * MS)).isTrue();
  }

  @Test
  void aCommitThatSpannedAFreezeDoesNotHoldTheNextBackForFourTimesTheFreeze() {
    CommitPace pace = new CommitPace(200 * MS, 0);
    pace.committed(0, 35_000 * MS); // the process was frozen (SIGSTOP) while it committed
    assertThat(pace.due(36_999 * MS)).isFalse();
    assertThat(pace.due(37_000 * MS)).as("2 s at most, not 140 s").isTrue();
  }

  @Test
  void aClockSetBackDoesNotHoldCommitsBackUntilItCatchesUp() {
    CommitPace pace = new CommitPace(200 * MS, 0);
    pace.committed(10_000 * MS, 10_100 * MS);
    assertThat(pace.due(5_000 * MS)).isTrue();
  }
}
