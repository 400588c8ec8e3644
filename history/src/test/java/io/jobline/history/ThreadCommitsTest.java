package io.jobline.history;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How a Streams thread's commits are paced by what they cost (all times given). */
class ThreadCommitsTest {
  private static final long T = 1_000_000;
  private final ThreadCommits commits = new ThreadCommits(100);

  @Test
  void aThreadThatNeverCommittedMayCommitAtOnce() {
    assertThat(commits.due(T)).isTrue();
  }

  @Test
  void quickCommitsComeEveryInterval() {
    commits.hookRan(T);
    commits.working(T + 10);

    assertThat(commits.due(T + 109)).isFalse();
    assertThat(commits.due(T + 110)).isTrue();
  }

  @Test
  void aSlowRoundIsFollowedByAsLongOfWork() {
    commits.hookRan(T);
    commits.hookRan(T + 150); // the thread's other tasks write in the same round
    commits.working(T + 300);

    assertThat(commits.due(T + 300 + 299)).isFalse();
    assertThat(commits.due(T + 300 + 300)).isTrue();
  }

  @Test
  void noTaskAsksWhileARoundIsUnderWay() {
    commits.hookRan(T);

    assertThat(commits.due(T + 5_000)).isFalse();
    commits.working(T + 5_010);
    assertThat(commits.due(T + 5_010 + 2_000)).as("at most 2 s, however long it took").isTrue();
  }

  @Test
  void eachThreadHasItsOwnAndAnotherIntervalStartsAnew() throws Exception {
    ThreadCommits mine = ThreadCommits.ofThisThread(100);
    ThreadCommits[] other = new ThreadCommits[1];
    Thread thread = new Thread(() -> other[0] = ThreadCommits.ofThisThread(100));
    thread.start();
    thread.join();

    assertThat(ThreadCommits.ofThisThread(100)).isSameAs(mine);
    assertThat(other[0]).isNotNull().isNotSameAs(mine);
    assertThat(ThreadCommits.ofThisThread(200)).isNotSameAs(mine);
  }
}
