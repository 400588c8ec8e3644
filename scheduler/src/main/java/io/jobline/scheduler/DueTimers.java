package io.jobline.scheduler;

import io.jobline.store.TimerStore;
import io.jobline.wire.JobRequest;
import java.time.Clock;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fires the timers that are due: emits each one's request, then deletes the timer (a crash in
 * between re-emits the same run id). A timer whose request Kafka refuses as such (too large) is set
 * aside and its run ends as failed; at any other failure it stops, or once the lease may have
 * lapsed, and the rest are tried again next cycle.
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
        send(timer);
        timers.delete(timer.id());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (NeverSent e) {
        refuse(timer, e.getCause());
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

  /** Sends a timer's request and waits for Kafka to have it. */
  private void send(TimerStore.Timer timer)
      throws InterruptedException, ExecutionException, TimeoutException, NeverSent {
    try {
      emitter.request(timer.request()).get(FireOutput.ACK_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException | RuntimeException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      if (Emitter.refusedForGood(cause)) {
        throw new NeverSent(cause);
      }
      throw e;
    }
  }

  /** A request Kafka refuses as such (its cause): sending it again fails again. */
  private static final class NeverSent extends Exception {
    NeverSent(Throwable cause) {
      super(cause);
    }
  }

  /**
   * Sets aside a timer that can never be sent, and ends its run as failed with the reason, so
   * whoever waits on the run hears rather than waiting for ever.
   */
  private void refuse(TimerStore.Timer timer, Throwable cause) {
    String why = "its " + timer.kind() + " request could not be sent, and never can be: " + cause;
    LOG.error("Scheduler {} sets timer {} aside: {}", id, timer.id(), why);
    JobRequest request = timer.request();
    try {
      emitter
          .missed(Emitter.neverSentEnd(request, why, id, clock.instant()))
          .get(FireOutput.ACK_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      timers.setAside(timer, why);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      LOG.warn(
          "Scheduler {} could not record the failure of timer {}'s run; it is tried again next cycle: {}",
          id,
          timer.id(),
          e.toString());
    }
  }
}
