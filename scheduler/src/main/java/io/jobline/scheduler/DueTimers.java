package io.jobline.scheduler;

import io.jobline.store.TimerStore;
import java.time.Clock;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fires the timers that are due: emits each one's request, then deletes the timer (a crash in
 * between re-emits the same run id). It stops at the first timer that fails, or once the lease may
 * have lapsed; the rest are tried again next cycle.
 */
final class DueTimers {
  private static final Logger LOG = LoggerFactory.getLogger(DueTimers.class);

  private final String id;
  private final TimerStore timers;
  private final Emitter emitter;
  private final Clock clock;
  private final BooleanSupplier leaseValid;

  /** {@code id} names the scheduler in what is logged. */
  DueTimers(
      String id, TimerStore timers, Emitter emitter, Clock clock, BooleanSupplier leaseValid) {
    this.id = id;
    this.timers = timers;
    this.emitter = emitter;
    this.clock = clock;
    this.leaseValid = leaseValid;
  }

  /** Emits every due timer's request, then deletes the timer. */
  void fire() {
    for (TimerStore.Timer timer : timers.due(clock.instant(), 1000)) {
      if (!leaseValid.getAsBoolean()) {
        return;
      }
      try {
        emitter.request(timer.request()).get(FireOutput.ACK_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        timers.delete(timer.id());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (ExecutionException | TimeoutException | RuntimeException e) {
        LOG.warn(
            "Scheduler {} could not fire timer {}; it stays and the due timers are tried again next cycle: {}",
            id,
            timer.id(),
            e.toString());
        return;
      }
    }
  }
}
