package io.jobline.scheduler;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * A daemon thread that runs a step over and over, waiting between two runs as long as the step asks
 * or until {@link #poke()}d; on {@link #stop()} it finishes the step under way, then runs its exit
 * action once. The step handles its own failures.
 */
public final class WakeableLoop {
  private final String threadName;
  private final Supplier<Duration> step;
  private final Runnable onExit;
  private final Object wake = new Object();
  private volatile boolean running;
  private volatile Thread thread;

  /** {@code step} returns how long to wait before the next run. */
  public WakeableLoop(String threadName, Supplier<Duration> step, Runnable onExit) {
    this.threadName = threadName;
    this.step = step;
    this.onExit = onExit;
  }

  public void start() {
    running = true;
    thread = new Thread(this::run, threadName);
    thread.setDaemon(true);
    thread.start();
  }

  /** Ends the current wait at once. */
  public void poke() {
    synchronized (wake) {
      wake.notifyAll();
    }
  }

  /** Whether the thread is still going (for health checks). */
  public boolean isAlive() {
    Thread t = thread;
    return running && t != null && t.isAlive();
  }

  /** Stops after the step under way, waiting up to 10 s for it. */
  public void stop() throws InterruptedException {
    running = false;
    poke();
    Thread t = thread;
    if (t != null) {
      t.join(10_000);
    }
  }

  private void run() {
    while (running) {
      pause(step.get());
    }
    onExit.run();
  }

  private void pause(Duration wait) {
    if (wait.isZero() || wait.isNegative()) {
      return;
    }
    synchronized (wake) {
      try {
        if (running) {
          wake.wait(Math.max(1, wait.toMillis()));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        running = false;
      }
    }
  }
}
