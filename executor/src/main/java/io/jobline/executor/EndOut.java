package io.jobline.executor;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Whether an ended attempt's end is in the outbox yet (or known not to go out). Between marking an
 * attempt ended and publishing its end there are checks and, under a claim, a store round trip; a
 * partition handed over in that gap would commit without the end, and its next owner would run the
 * request again while the end still went out from here. So a hand-over waits for it ({@link
 * Runs#handOver}).
 */
final class EndOut {
  private final CountDownLatch settled = new CountDownLatch(1);

  /** The end is in the outbox, or will never be. */
  void settle() {
    settled.countDown();
  }

  /**
   * Waits for {@link #settle} at most {@code wait}.
   *
   * @return false if it did not settle in time
   */
  boolean await(Duration wait) {
    try {
      return settled.await(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
