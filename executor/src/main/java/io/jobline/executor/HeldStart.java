package io.jobline.executor;

import io.jobline.wire.RunEvent;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * An attempt's start event, held back for a moment so that a job which ends sooner sends one record
 * (its end, carrying the start). The start leaves exactly once: published by the timer or before
 * the job's first log line, or taken by the end. Publishing happens under the same lock as the
 * taking, so an end that finds the start gone is always queued after it: history never sees the end
 * first.
 */
final class HeldStart {
  private RunEvent start;
  private Future<?> timer;

  HeldStart(RunEvent start) {
    this.start = start;
  }

  /** The timer that publishes the start when the hold is over; cancelled when the end takes it. */
  synchronized void timer(Future<?> timer) {
    if (start == null) {
      timer.cancel(false);
    } else {
      this.timer = timer;
    }
  }

  /** Hands the start to {@code publisher} if it is still held; the end waits while this runs. */
  synchronized void publish(Consumer<RunEvent> publisher) {
    RunEvent s = start;
    start = null;
    if (s != null) {
      publisher.accept(s);
    }
  }

  /** The start for the end to carry, or null when it was published already. */
  synchronized RunEvent takeForEnd() {
    RunEvent s = start;
    start = null;
    if (timer != null) {
      timer.cancel(false);
    }
    return s;
  }
}
