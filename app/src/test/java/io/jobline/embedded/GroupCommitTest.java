package io.jobline.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The data-folder store's shared, paced commits, on a clock the test moves. */
class GroupCommitTest {
  private static final long PACE = 2_000_000;

  private final AtomicLong clock = new AtomicLong(1_000_000_000L);
  private final List<Long> slept = new ArrayList<>();

  private GroupCommit paced(Runnable commit) {
    return new GroupCommit(
        commit,
        PACE,
        clock::get,
        nanos -> {
          synchronized (slept) {
            slept.add(nanos);
          }
          clock.addAndGet(nanos);
        });
  }

  @Test
  void aWriterAloneCommitsAtOnceAndOneSoonAfterWaitsOutThePace() {
    AtomicInteger commits = new AtomicInteger();
    GroupCommit group = paced(commits::incrementAndGet);

    group.await();
    assertThat(commits).hasValue(1);
    assertThat(slept).isEmpty();

    clock.addAndGet(500_000); // half a millisecond after the first commit began
    group.await();
    assertThat(commits).hasValue(2);
    assertThat(slept).containsExactly(1_500_000L);

    clock.addAndGet(10_000_000); // long after: no wait
    group.await();
    assertThat(commits).hasValue(3);
    assertThat(slept).containsExactly(1_500_000L);
    assertThat(group.commits()).isEqualTo(3);
  }

  @Test
  void writersArrivingDuringACommitAreNotAnsweredByItAndShareTheNextOne() throws Exception {
    CountDownLatch firstMayEnd = new CountDownLatch(1);
    CountDownLatch secondMayEnd = new CountDownLatch(1);
    AtomicInteger started = new AtomicInteger();
    GroupCommit group =
        paced(
            () -> {
              int n = started.incrementAndGet();
              awaitLatch(n == 1 ? firstMayEnd : secondMayEnd);
            });

    CompletableFuture<Void> first = CompletableFuture.runAsync(group::await);
    await().atMost(Duration.ofSeconds(10)).until(() -> started.get() == 1);
    Thread[] late = new Thread[2];
    for (int i = 0; i < late.length; i++) {
      late[i] = new Thread(group::await, "late-" + i);
      late[i].start();
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                late[0].getState() == Thread.State.WAITING
                    && late[1].getState() == Thread.State.WAITING);

    firstMayEnd.countDown();
    first.get(10, TimeUnit.SECONDS);
    // one of the late writers now leads the second commit; neither is answered before it ends
    await().atMost(Duration.ofSeconds(10)).until(() -> started.get() == 2);
    assertThat(late[0].isAlive()).isTrue();
    assertThat(late[1].isAlive()).isTrue();

    secondMayEnd.countDown();
    late[0].join(10_000);
    late[1].join(10_000);
    assertThat(late[0].isAlive()).isFalse();
    assertThat(late[1].isAlive()).isFalse();
    assertThat(started).hasValue(2);
    assertThat(group.commits()).isEqualTo(2);
  }

  @Test
  void whenTheCommitFailsNoWriterItWouldHaveCoveredIsAnsweredAsDurable() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    CountDownLatch leaderWaitsOutThePace = new CountDownLatch(1);
    CountDownLatch paceMayEnd = new CountDownLatch(1);
    GroupCommit group =
        new GroupCommit(
            () -> {
              if (attempts.incrementAndGet() > 1) {
                throw new IllegalStateException("store closed");
              }
            },
            PACE,
            clock::get,
            nanos -> {
              leaderWaitsOutThePace.countDown();
              awaitLatch(paceMayEnd);
              clock.addAndGet(nanos);
            });
    group.await(); // the first commit, at once

    CompletableFuture<Throwable> leader = failureOf(group, "leader");
    assertThat(leaderWaitsOutThePace.await(10, TimeUnit.SECONDS)).isTrue();
    // the follower counts itself before the leader takes what to commit: the commit covers it
    CompletableFuture<Throwable> follower = failureOf(group, "follower");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> threadNamed("follower").getState() == Thread.State.WAITING);
    paceMayEnd.countDown();

    assertThat(leader.get(10, TimeUnit.SECONDS)).hasMessageContaining("store closed");
    assertThat(follower.get(10, TimeUnit.SECONDS))
        .as("the follower, covered by the failed commit")
        .hasMessageContaining("store closed");
    assertThat(attempts)
        .as("it tried again itself rather than take the failure as done")
        .hasValue(3);
    assertThat(group.commits()).isEqualTo(1);
  }

  @Test
  void aLeaderInterruptedAroundItsCommitAnswersItsWriteWithAnError() {
    AtomicInteger commits = new AtomicInteger();
    GroupCommit group =
        paced(
            () -> {
              commits.incrementAndGet();
              Thread.currentThread().interrupt(); // as H2 returns when its wait is interrupted
            });
    try {
      assertThatThrownBy(group::await).hasMessageContaining("interrupted");
      assertThat(commits).hasValue(1);
      assertThat(group.commits()).isZero();
    } finally {
      Thread.interrupted();
    }
  }

  /** Runs {@code await} on a thread of that name; completes with what it threw, or null. */
  private static CompletableFuture<Throwable> failureOf(GroupCommit group, String name) {
    CompletableFuture<Throwable> outcome = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try {
                group.await();
                outcome.complete(null);
              } catch (RuntimeException e) {
                outcome.complete(e);
              }
            },
            name);
    t.setDaemon(true);
    t.start();
    return outcome;
  }

  private static Thread threadNamed(String name) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static void awaitLatch(CountDownLatch latch) {
    try {
      if (!latch.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the test never let the commit end");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
