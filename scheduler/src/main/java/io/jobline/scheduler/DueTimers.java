package io.jobline.scheduler;

import io.jobline.run.RunRecord;
import io.jobline.store.RunStore;
import io.jobline.store.TimerStore;
import io.jobline.wire.JobRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fires the timers that are due: emits each one's request, then, once Kafka has it, deletes the
 * timer (a crash in between re-emits the same run id). The sends are not waited for one by one: a
 * cycle hands every due timer to Kafka and deletes, at its next look, those Kafka took (found by
 * review: one request whose partition had no leader held the cycle for Kafka's whole delivery
 * timeout and stopped the timers after it, and the lease lapsed meanwhile, so no schedule of any
 * tenant fired while it lasted). A timer whose request Kafka refuses as such (too large) is set
 * aside and its run ends as failed; one whose send fails otherwise is sent again at a later look;
 * once the lease may have lapsed the rest wait for the next cycle. A run's retry is sent only once
 * history shows the attempt before it ended saying so ({@link RetryGate}); until then it is put
 * off, a second at a time at first, longer the longer it waits.
 */
final class DueTimers {
  private static final Logger LOG = LoggerFactory.getLogger(DueTimers.class);

  private final String id;
  private final TimerStore timers;
  private final Emitter emitter;
  private final Clock clock;
  private final BooleanSupplier leaseValid;
  private final RunStore runs;

  /**
   * How long a retry waits for history to show its run at all before it is sent anyway: a run
   * history never keeps (one it set aside) would otherwise hold its retry for good, where the
   * attempt a crash voided shows within seconds (its request is folded queued within {@code
   * history.holdQueued}).
   */
  static final Duration MAX_WAIT_FOR_A_RUN = Duration.ofMinutes(10);

  /**
   * How far a retry that waits for history is put off the first time; then by a quarter of how long
   * it has waited, up to {@link #MAX_WAIT_STEP}, so that many waiting retries (a burst failing
   * while history is behind) cost the cycle little.
   */
  static final Duration WAIT_STEP = Duration.ofSeconds(1);

  static final Duration MAX_WAIT_STEP = Duration.ofSeconds(30);

  /** Since when a retry has waited (this process's view), and whether that was logged. */
  private record Waiting(Instant since, boolean told) {}

  /** The retries waiting for history, by timer id. */
  private final Map<String, Waiting> waiting =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Waiting> eldest) {
          return size() > 100_000;
        }
      };

  /** A timer whose request was handed to Kafka, and Kafka's answer. */
  private record Sent(TimerStore.Timer timer, CompletableFuture<?> ack) {}

  /** The timers handed to Kafka and not yet settled, by id: not sent again meanwhile. */
  private final Map<String, Sent> inFlight = new LinkedHashMap<>();

  /**
   * How often the timers are looked at while a send of one is unanswered, at most: Kafka's answer
   * wakes the scheduler at once (a look is a lease write and a few reads).
   */
  static final Duration IN_FLIGHT_LOOK = Duration.ofSeconds(1);

  /**
   * The most timer sends unanswered at once: past it a look sends no more (found by review: while
   * Kafka did not answer, each look sent a thousand more, some 25,000 outstanding by the time they
   * failed together).
   */
  static final int MAX_IN_FLIGHT = 1000;

  /** The most timer sends of one tenant unanswered at once (its partition may have no leader). */
  static final int MAX_IN_FLIGHT_PER_TENANT = 100;

  private static String tenantOf(TimerStore.Timer t) {
    return t.request() == null || t.request().tenantId() == null ? "" : t.request().tenantId();
  }

  /** How long a timer whose send failed waits before it is sent again. */
  static final Duration FAILED_SEND_AGAIN_AFTER = Duration.ofSeconds(5);

  /** Told when Kafka answers a send (the scheduler looks again to settle it). */
  private final Runnable answered;

  /** {@code id} names the scheduler in what is logged; {@code runs}: history's runs. */
  DueTimers(
      String id,
      TimerStore timers,
      RunStore runs,
      Emitter emitter,
      Clock clock,
      BooleanSupplier leaseValid) {
    this(id, timers, runs, emitter, clock, leaseValid, () -> {});
  }

  /** As above; {@code answered} is told when Kafka answers a send. */
  DueTimers(
      String id,
      TimerStore timers,
      RunStore runs,
      Emitter emitter,
      Clock clock,
      BooleanSupplier leaseValid,
      Runnable answered) {
    this.answered = answered;
    this.id = id;
    this.timers = timers;
    this.runs = runs;
    this.emitter = emitter;
    this.clock = clock;
    this.leaseValid = leaseValid;
  }

  /** How long retries wait after their runs could not be read before they are read again. */
  static final Duration READ_AGAIN_AFTER = Duration.ofSeconds(1);

  /**
   * Until when the timers are not looked at again after the runs of the retries due could not be
   * read, or null.
   */
  private Instant readAgainAt;

  /**
   * When the timers are next to be looked at: when the earliest is due, but not before a failed
   * read of the retries' runs is tried again. (Found by review: the retries stayed due while the
   * read failed, and the scheduler's loop ran back to back, a store round trip each, until they had
   * waited long enough to be sent anyway.)
   */
  Optional<Instant> nextLook(Optional<Instant> earliest) {
    if (earliest.isEmpty()) {
      return earliest;
    }
    Instant at = earliest.get();
    if (readAgainAt != null && at.isBefore(readAgainAt)) {
      at = readAgainAt;
    }
    if (!inFlight.isEmpty()) {
      // (the timers due that are not in flight were all sent, put off or held back: a send
      // unanswered keeps its timer due until it is settled, and must not spin the loop)
      Instant look = clock.instant().plus(IN_FLIGHT_LOOK);
      at = at.isBefore(look) ? look : at;
    }
    return Optional.of(at);
  }

  /**
   * Settles the sends Kafka answered (deletes the timers it took), then hands every due timer not
   * in flight to Kafka, and settles those it answered at once.
   */
  void fire() {
    settle();
    // (past those in flight, which stay due until settled: found by review, a thousand of one
    // tenant's in flight held every other tenant's timers back)
    List<TimerStore.Timer> due =
        new ArrayList<>(timers.due(clock.instant(), 1000 + inFlight.size()));
    due.removeIf(t -> inFlight.containsKey(t.id()));
    Map<String, RunRecord> retried = retriedRuns(due);
    readAgainAt = retried == null ? clock.instant().plus(READ_AGAIN_AFTER) : null;
    Map<String, Integer> perTenant = new HashMap<>();
    inFlight.values().forEach(f -> perTenant.merge(tenantOf(f.timer()), 1, Integer::sum));
    for (TimerStore.Timer timer : due) {
      if (!leaseValid.getAsBoolean() || inFlight.size() >= MAX_IN_FLIGHT) {
        break;
      }
      if (perTenant.getOrDefault(tenantOf(timer), 0) >= MAX_IN_FLIGHT_PER_TENANT) {
        // its tenant's sends are not answered: put off behind the other tenants' timers, which the
        // store gives by due time (found by review: a backlog of one tenant's filled every look)
        putOffBy(timer, FAILED_SEND_AGAIN_AFTER);
        continue;
      }
      try {
        if (!mayGo(timer, retried)) {
          continue;
        }
        CompletableFuture<?> ack = emitter.request(timer.request());
        inFlight.put(timer.id(), new Sent(timer, ack));
        perTenant.merge(tenantOf(timer), 1, Integer::sum);
        ack.whenComplete((done, failed) -> answered.run());
      } catch (RuntimeException e) {
        failed(timer, e);
      }
    }
    settle();
  }

  /**
   * Whether the attempt of a chain step that {@code timer} sends is still to be sent: each attempt
   * has a run id of its own, so one history shows ({@code run} not null) was sent already, and the
   * timer is deleted. (Found by review: an orchestrator that set the timer and then could not
   * record the attempt set it again at its next pass, after the first had fired, and the attempt
   * ran twice once the executor that ran it no longer remembered it.)
   */
  private boolean chainStepNotSentYet(TimerStore.Timer timer, RunRecord run) {
    if (run == null) {
      return true;
    }
    LOG.info(
        "Scheduler {} drops timer {}: history shows its run (attempt {}, {}), so it was sent before",
        id,
        timer.id(),
        run.attempt(),
        run.status() == null ? "unknown" : run.status().wire());
    timers.deleteIfDue(timer.id(), timer.dueAt());
    return false;
  }

  /** Deletes the timers whose sends Kafka took; one whose send failed is sent again later. */
  private void settle() {
    for (Iterator<Sent> it = inFlight.values().iterator(); it.hasNext(); ) {
      Sent sent = it.next();
      if (!sent.ack().isDone()) {
        continue;
      }
      it.remove();
      try {
        sent.ack().join();
      } catch (CompletionException | CancellationException e) {
        failed(sent.timer(), e.getCause() != null ? e.getCause() : e);
        continue;
      }
      try {
        timers.deleteIfDue(sent.timer().id(), sent.timer().dueAt());
      } catch (RuntimeException e) {
        LOG.warn(
            "Scheduler {} sent timer {} but could not delete it; it is sent again (same run id):"
                + " {}",
            id,
            sent.timer().id(),
            e.toString());
      }
    }
  }

  /** A send that failed: set aside if Kafka refuses it as such, else sent again at a later look. */
  private void failed(TimerStore.Timer timer, Throwable cause) {
    if (Emitter.refusedForGood(cause)) {
      refuse(timer, cause);
      return;
    }
    LOG.warn(
        "Scheduler {} could not fire timer {}; it is sent again in {}: {}",
        id,
        timer.id(),
        FAILED_SEND_AGAIN_AFTER,
        cause.toString());
    // (behind the timers due meanwhile: found by review, a thousand of one tenant's failing again
    // and again filled every look, and every other tenant's waited)
    putOffBy(timer, FAILED_SEND_AGAIN_AFTER);
  }

  private void putOffBy(TimerStore.Timer timer, Duration by) {
    try {
      timers.postpone(timer.id(), timer.dueAt(), clock.instant().plus(by));
    } catch (RuntimeException e) {
      LOG.warn("Scheduler {} could not put timer {} off: {}", id, timer.id(), e.toString());
    }
  }

  /**
   * The runs of the retries among {@code due}, as history shows them, read at once; null when they
   * cannot be read (the retries then wait, and the other timers go on: found by review, one failed
   * read stopped them all).
   */
  private Map<String, RunRecord> retriedRuns(List<TimerStore.Timer> due) {
    List<String> ids = due.stream().map(DueTimers::retriedRun).filter(r -> r != null).toList();
    if (ids.isEmpty()) {
      return Map.of();
    }
    try {
      return runs.findAll(ids.stream().distinct().toList());
    } catch (RuntimeException e) {
      LOG.warn(
          "Scheduler {} could not read the runs of {} retries due; they wait: {}",
          id,
          ids.size(),
          e.toString());
      return null;
    }
  }

  /**
   * The run a retry timer (a run's or a chain step's) names, or null for another timer (or one
   * naming no run).
   */
  private static String retriedRun(TimerStore.Timer t) {
    return (JobRequest.RETRY_TIMER.equals(t.kind())
                || JobRequest.CHAIN_RETRY_TIMER.equals(t.kind()))
            && t.request() != null
            && t.request().runId() != null
        ? t.request().runId().value()
        : null;
  }

  /**
   * Whether {@code timer} may be sent now, {@code retried} the runs of the retries due as history
   * shows them (null when they could not be read: a retry then waits for the next cycle); a retry
   * history does not show the reason for yet is put off, and one whose attempt before ended saying
   * none follows is taken away.
   */
  private boolean mayGo(TimerStore.Timer timer, Map<String, RunRecord> retried) {
    String runId = retriedRun(timer);
    if (runId == null) {
      return true;
    }
    if (JobRequest.CHAIN_RETRY_TIMER.equals(timer.kind())) {
      // (runs that cannot be read hold no chain step back: the look is a guard against a second
      // send, which its executor's memory of the runs it ended guards against too)
      return retried == null || chainStepNotSentYet(timer, retried.get(runId));
    }
    JobRequest next = timer.request();
    Instant now = clock.instant();
    if (retried == null) {
      // (not put off: the store may be down; but not held for good either, should one run that
      // cannot be read fail the read each cycle)
      return waitedTooLong(timer, now);
    }
    RunRecord run = retried.get(runId);
    switch (RetryGate.of(run, next.attemptOrFirst())) {
      case SEND -> {
        waiting.remove(timer.id());
        return true;
      }
      case DROP -> {
        waiting.remove(timer.id());
        LOG.info(
            "Scheduler {} drops timer {}: its run's attempt {} ended {} with no retry to follow"
                + " (the end that set it was never committed, and the attempt ran again)",
            id,
            timer.id(),
            run.attempt(),
            run.status().wire());
        timers.deleteIfDue(timer.id(), timer.dueAt());
        return false;
      }
      case SENT -> {
        waiting.remove(timer.id());
        LOG.info(
            "Scheduler {} drops timer {}: history shows its run at attempt {} already, so its"
                + " request went out",
            id,
            timer.id(),
            run.attempt());
        timers.deleteIfDue(timer.id(), timer.dueAt());
        return false;
      }
      default -> {
        if (run == null && waitedTooLong(timer, now)) {
          return true;
        }
        putOff(timer, run, now);
        return false;
      }
    }
  }

  /**
   * Puts off a retry waiting for history ({@code run}: its run, or null), by a quarter of how long
   * it has waited (within {@link #WAIT_STEP} and {@link #MAX_WAIT_STEP}); logs it once when it has
   * waited {@link #MAX_WAIT_FOR_A_RUN}, and waits on (an attempt running again may run long).
   */
  private void putOff(TimerStore.Timer timer, RunRecord run, Instant now) {
    Waiting w = waiting.computeIfAbsent(timer.id(), k -> new Waiting(now, false));
    Duration waited = Duration.between(w.since(), now);
    if (waited.compareTo(MAX_WAIT_FOR_A_RUN) >= 0 && !w.told()) {
      LOG.warn(
          "Scheduler {}: timer {} has waited {} for history to show attempt {} of run {} ended;"
              + " it reads {}",
          id,
          timer.id(),
          waited,
          timer.request().attemptOrFirst() - 1,
          timer.request().runId().value(),
          run == null || run.status() == null ? "unknown" : run.status().wire());
      waiting.put(timer.id(), new Waiting(w.since(), true));
    }
    Duration step = waited.dividedBy(4);
    step = step.compareTo(WAIT_STEP) < 0 ? WAIT_STEP : step;
    step = step.compareTo(MAX_WAIT_STEP) > 0 ? MAX_WAIT_STEP : step;
    timers.postpone(timer.id(), timer.dueAt(), now.plus(step));
  }

  /**
   * Whether a retry whose run history has not shown has waited {@link #MAX_WAIT_FOR_A_RUN} since
   * this process first held it back, and is to be sent anyway.
   */
  private boolean waitedTooLong(TimerStore.Timer timer, Instant now) {
    Waiting w = waiting.computeIfAbsent(timer.id(), k -> new Waiting(now, false));
    if (Duration.between(w.since(), now).compareTo(MAX_WAIT_FOR_A_RUN) < 0) {
      return false;
    }
    LOG.warn(
        "Scheduler {} sends timer {} though history has shown no run {} for {}",
        id,
        timer.id(),
        timer.request().runId().value(),
        MAX_WAIT_FOR_A_RUN);
    waiting.remove(timer.id());
    return true;
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
