package io.jobline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class KeyLocksTest {
  private final KeyLocks locks = new KeyLocks();

  @Test
  void aThirdRequestWaitsForTheSecondThatTookTheLockAfterTheFirstLetGo() throws Exception {
    // found by review: the first's lock was dropped when it let go, so a third took a new one
    // while the second, woken on the old, went on too: both sent after a failed send
    KeyLocks.Held first = locks.tryLock("k", Duration.ZERO).orElseThrow();
    Waiter second = new Waiter("k");
    second.awaitBlocked();
    first.close();
    second.awaitHolding();

    Waiter third = new Waiter("k");
    third.awaitBlocked();
    assertThat(third.holding).as("the third holds the key while the second does").isFalse();

    second.release();
    third.awaitHolding();
    third.release();
    second.thread.join(5_000);
    third.thread.join(5_000);
    assertThat(locks.size()).as("no lock is kept once no one holds or waits for it").isZero();
  }

  @Test
  void otherKeysAreNotHeldUpAndAKeyHeldLongerThanTheWaitIsNotTaken() throws Exception {
    try (KeyLocks.Held a = locks.tryLock("a", Duration.ZERO).orElseThrow();
        KeyLocks.Held b = locks.tryLock("b", Duration.ZERO).orElseThrow()) {
      assertThat(locks.size()).isEqualTo(2);
      // (from another thread: a request is answered on a thread of its own)
      assertThat(
              CompletableFuture.supplyAsync(
                      () -> locks.tryLock("a", Duration.ofMillis(50)).isPresent())
                  .get(10, TimeUnit.SECONDS))
          .isFalse();
      assertThat(locks.size()).as("one that gave up is no user").isEqualTo(2);
      a.close(); // a second close lets go of nothing more
    }
    assertThat(locks.size()).isZero();
    assertThat(locks.tryLock("a", Duration.ZERO)).isPresent();
  }

  /** A thread that takes {@code key}'s lock and holds it until released. */
  private final class Waiter {
    final Thread thread;
    volatile boolean holding;
    private final CountDownLatch release = new CountDownLatch(1);

    Waiter(String key) {
      thread =
          new Thread(
              () -> {
                try (KeyLocks.Held held =
                    locks.tryLock(key, Duration.ofSeconds(30)).orElseThrow()) {
                  holding = true;
                  release.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              });
      thread.start();
    }

    /** Waits until the thread either holds the lock or is parked waiting for it. */
    void awaitBlocked() {
      // tryLock parks timed (TIMED_WAITING); a holder waits for its release untimed (WAITING)
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> holding || thread.getState() == Thread.State.TIMED_WAITING);
    }

    void awaitHolding() {
      await().atMost(Duration.ofSeconds(10)).until(() -> holding);
    }

    void release() {
      release.countDown();
    }
  }
}
