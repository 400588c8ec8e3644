package io.jobline.executor;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/** Threads of a test that contend for a lock, or wait for a thread, the code under test holds. */
final class Contenders {
  private Contenders() {}

  /**
   * Starts {@code body} on a thread of its own and returns once it waits for a lock or has ended:
   * without the lock, it has done its work by then.
   */
  static Thread startAndAwaitBlockedOrDone(Runnable body, String name) {
    Thread t = new Thread(body, name);
    t.start();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> t.getState() == Thread.State.BLOCKED || t.getState() == Thread.State.TERMINATED);
    return t;
  }

  /** Keeps the single thread of {@code threads} busy until the latch returned counts down. */
  static CountDownLatch hold(ExecutorService threads) {
    CountDownLatch free = new CountDownLatch(1);
    threads.execute(
        () -> {
          try {
            free.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    return free;
  }
}
