package io.jobline.executor;

import io.jobline.wire.RunEvent;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * An attempt's start event, held back for a moment so that a job which ends sooner sends one record
 * (its end, carrying the start). The start leaves exactly once: published by the timer or before
 * the job's first log line, or taken by the end. Publishing happens under the same lock as the
 * taking, so an end that finds the start gone is always queued after it: history never sees the end
 * first.
 */
final class HeldStart {
  /**
   * How long an attempt's start is held back: most jobs end sooner, and then one record (the end,
   * with the start's fields under {@code started}) says both.
   */
  static final long HOLD_MILLIS = 50;

  private final Consumer<RunEvent> publisher;
  private RunEvent start;
  private Future<?> timer;

  HeldStart(RunEvent start, Consumer<RunEvent> publisher) {
    this.start = start;
    this.publisher = publisher;
  }

  /** Holds {@code start} back; {@code publisher} publishes it when the hold is over. */
  static HeldStart hold(
      RunEvent start, ScheduledExecutorService timers, Consumer<RunEvent> publisher) {
    HeldStart held = new HeldStart(start, publisher);
    held.timer(timers.schedule(held::publish, HOLD_MILLIS, TimeUnit.MILLISECONDS));
    return held;
  }

  /** The timer that publishes the start when the hold is over; cancelled when the end takes it. */
  synchronized void timer(Future<?> timer) {
    if (start == null) {
      timer.cancel(false);
    } else {
      this.timer = timer;
    }
  }

  /** Publishes the start if it is still held; the end waits while this runs. */
  synchronized void publish() {
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
