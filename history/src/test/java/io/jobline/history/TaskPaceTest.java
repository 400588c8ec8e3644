package io.jobline.history;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** When a history task is idle and when it asks for a commit (all times given). */
class TaskPaceTest {
  private static final long T = 1_000_000;
  private final ThreadCommits thread = new ThreadCommits(100);
  private final TaskPace pace = new TaskPace(100, () -> thread);

  @Test
  void aTaskJustStartedIsNotIdleBeforeItsFirstFetchHadTimeToCome() {
    pace.start(T);

    assertThat(pace.idle(T + TaskPace.START_GRACE_MS)).isFalse();
    assertThat(pace.idle(T + TaskPace.START_GRACE_MS + TaskPace.IDLE_MS)).isTrue();
  }

  @Test
  void aCaughtUpTaskAsksForACommitEveryIntervalOnlyWhenItReadSomething() {
    pace.start(T);
    assertThat(pace.commitDue(T + 500)).as("nothing read").isFalse();

    pace.read(T + 500, T + 490);
    assertThat(pace.commitDue(T + 500)).isTrue();
    pace.committed(T + 500);
    pace.read(T + 550, T + 540);
    assertThat(pace.commitDue(T + 599)).isFalse();
    assertThat(pace.commitDue(T + 600)).isTrue();
  }

  @Test
  void aTaskBehindItsInputLeavesCommitsToStreams() {
    pace.start(T);
    pace.read(T + 500, T + 500 - TaskPace.CAUGHT_UP_MS - 1);

    assertThat(pace.caughtUp()).isFalse();
    assertThat(pace.commitDue(T + 5_000)).isFalse();
  }

  @Test
  void aCaughtUpTaskWaitsWhileItsThreadsCommitsTakeLong() {
    pace.start(T);
    pace.commitStarts(T + 100);
    pace.committed(T + 150);
    pace.read(T + 400, T + 390); // the thread works again: its round took 300 ms

    assertThat(pace.commitDue(T + 500)).as("its own interval passed").isFalse();
    assertThat(pace.commitDue(T + 400 + 1_200)).isTrue();
  }

  @Test
  void aPunctuationEndsTheThreadsRoundToo() {
    pace.start(T);
    pace.commitStarts(T + 100);
    pace.committed(T + 110);
    pace.punctuates(T + 120);
    pace.read(T + 200, T + 190);

    assertThat(pace.commitDue(T + 220)).isTrue();
  }
}
