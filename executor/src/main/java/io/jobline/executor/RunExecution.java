package io.jobline.executor;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobline.job.JobDescriptor;
import io.jobline.store.TimerStore;
import io.jobline.topic.PreparedRequest;
import io.jobline.topic.Topics;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import io.jobline.wire.Scope;
import io.jobline.wire.TriggerType;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt of one run on this executor: claim it, run it on its own thread, end it with exactly
 * one terminal event. A watchdog asks the job to stop at its timeout, interrupts it after a grace
 * period and abandons it after another, so a job that ignores both cannot hold a worker slot.
 */
final class RunExecution implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(RunExecution.class);

  private final Pending pending;
  private final ExecutorParts parts;
  private final EventPublisher events;
  private final ExecutorSettings settings;
  private final String executorId;
  private final Clock clock;
  private final ScheduledExecutorService watchdog;

  /** Where the claim of a run handed over is renewed ({@link RunEnvironment}). */
  private final ScheduledExecutorService renewer;

  private final RunOutcome outcome;
  private final RunningRuns running;
  private final RetryPolicy retries;
  private final AtomicBoolean ended = new AtomicBoolean();

  /** The watchdog's tasks for this attempt, cancelled when its job returns. */
  private final List<ScheduledFuture<?>> watchdogTimers =
      Collections.synchronizedList(new ArrayList<>());

  /** The thread running the job, while it runs; its timeout then. */
  private volatile Thread worker;

  private volatile int timeoutSeconds;

  /** Where the job's thread is: {@link #IN_JOB}, {@link #LEFT_JOB} or {@link #ABANDONED}. */
  private final AtomicInteger jobThread = new AtomicInteger(IN_JOB);

  /** The job may still run (or has yet to start). */
  private static final int IN_JOB = 0;

  /** The job's thread has left the job. */
  private static final int LEFT_JOB = 1;

  /** The attempt was ended without its job, whose thread had not left it then. */
  private static final int ABANDONED = 2;

  /** Whether {@link #abandon} has begun. */
  private final AtomicBoolean abandoned = new AtomicBoolean();

  /** Taken to interrupt the worker, and to let it go. */
  private final Object interrupting = new Object();

  /** Whether the interrupt and abandon after a cancel are set. */
  private final AtomicBoolean stopping = new AtomicBoolean();

  private volatile ScheduledFuture<?> renewal;

  /**
   * The lease this attempt runs under, by this executor's clock: its partition's, or its own
   * claim's.
   */
  private volatile Hold hold;

  private volatile RunContext ctx;

  /**
   * Set at launch, not when its thread starts: a revocation may fence it or put it under a claim
   * before then (found by review: the start wrote them over, so the fence missed it and the claim
   * was neither renewed nor finished, and the next owner ran the attempt again).
   */
  private final long epoch;

  /** The fencing token this execution runs under. */
  long epoch() {
    return epoch;
  }

  /** Above 0 while the attempt runs under a claim of its own (handed over between executors). */
  private volatile long claimEpoch;

  /**
   * Whether this attempt went on after its partition went to another executor: that executor
   * publishes its end again from the claim, with a fan-out's children, so its own end sends none
   * (both would count). Set and read under this object's lock with {@link #markEnded}.
   */
  private boolean handedOver;

  RunExecution(
      Pending pending, Hold hold, RunEnvironment env, RunningRuns running, RunOutcome outcome) {
    this.pending = pending;
    this.epoch = pending.epoch();
    this.claimEpoch = pending.claimEpoch();
    this.hold = hold;
    this.parts = env.parts();
    this.events = env.events();
    this.settings = env.settings();
    this.executorId = env.executorId();
    this.clock = env.clock();
    this.watchdog = env.watchdog();
    this.renewer = env.renewer();
    this.running = running;
    this.outcome = outcome;
    this.retries = RetryPolicy.of(settings);
  }

  JobRequest request() {
    return pending.request();
  }

  Pending pending() {
    return pending;
  }

  @Override
  public void run() {
    if (running.isFenced(pending.claimKey(), epoch)) {
      running.remove(this); // its partition went elsewhere before it could start
      outcome.gone(pending);
      endOut.countDown();
      return;
    }
    execute();
  }

  /**
   * This attempt's partition went to another executor while it ran: it goes on under a claim of its
   * own (renewed while it runs), so the next owner waits for it instead of running it a second
   * time.
   */
  synchronized boolean continueUnderClaim(long claim) {
    if (ended.get()) {
      return false; // it ended just now: its end is in the outbox, and goes out with the
      // revocation's commit
    }
    handedOver = true;
    claimEpoch = claim;
    hold = new Hold(LeaseKeeper.validity(clock.instant(), ttl()));
    long beat = Math.max(100, ttl().toMillis() / 3);
    renewal = renewer.scheduleAtFixedRate(this::renew, beat, beat, TimeUnit.MILLISECONDS);
    return true;
  }

  /**
   * Marks this attempt, already under a claim, as going on after its partition went to another
   * executor, unless it has ended.
   *
   * @return false if it has ended (its end is in the outbox, or soon is)
   */
  synchronized boolean keepClaimAfterHandOver() {
    if (ended.get()) {
      return false;
    }
    handedOver = true;
    return true;
  }

  /**
   * Whether this attempt runs under a claim of its own (a takeover, or a partition handed over
   * earlier).
   */
  boolean underClaim() {
    return claimEpoch > 0;
  }

  /** Whether this attempt has ended (its end may still wait in the outbox). */
  boolean hasEnded() {
    return ended.get();
  }

  /** Counted down once this attempt's end is in the outbox, or known not to go out. */
  private final CountDownLatch endOut = new CountDownLatch(1);

  /**
   * Waits at most {@code wait} for this ended attempt's end to be in the outbox: between marking it
   * ended and publishing its end there are checks and, under a claim, a store round trip.
   *
   * @return false if it is not there in time
   */
  boolean awaitEndOut(Duration wait) {
    try {
      return endOut.await(wait.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Marks the attempt ended, once. Synchronized with {@link #continueUnderClaim}: an attempt either
   * ends before it is put under a claim (and its end goes out with the partition's last commit) or
   * ends under that claim (and records its end on it), never in between.
   */
  private synchronized boolean markEnded() {
    return ended.compareAndSet(false, true);
  }

  private synchronized boolean handedOver() {
    return handedOver;
  }

  /** Asks the job to stop, if it has started; a cancel is followed by the interrupt. */
  void requestStop(StopReason reason) {
    RunContext c = ctx;
    if (c != null) {
      c.requestStop(reason);
      if (reason == StopReason.CANCEL) {
        stopSoon();
      }
    }
  }

  /**
   * After a cancel: the interrupt after {@code executor.stopGrace}, the abandon after {@code
   * abandonGrace} more, as after a timeout. A job that ignored a cancel held its slot until its
   * timeout (found by review).
   */
  private void stopSoon() {
    Thread w = worker;
    int timeout = timeoutSeconds;
    if (w == null || ended.get() || !stopping.compareAndSet(false, true)) {
      return;
    }
    long interruptIn = settings.stopGrace.toMilliseconds();
    watchdogTimers.add(
        watchdog.schedule(() -> interruptWhileRunning(w), interruptIn, TimeUnit.MILLISECONDS));
    watchdogTimers.add(
        watchdog.schedule(
            () -> abandon(timeout, true),
            interruptIn + settings.abandonGrace.toMilliseconds(),
            TimeUnit.MILLISECONDS));
  }

  /**
   * This attempt lost its partition: it is asked to stop, and nothing it publishes from now on
   * counts.
   */
  void fence() {
    requestStop(StopReason.FENCED);
  }

  private void execute() {
    JobDescriptor job = pending.job().descriptor();
    JobRequest request = pending.request();
    Scope scope = request.scope() != null ? request.scope() : job.scope();
    List<String> subTenants =
        scope == Scope.PARENT_TENANT && request.tenantId() != null
            ? parts.tenants().descendants(request.tenantId())
            : List.of();
    ctx =
        new RunContext(
            request,
            scope,
            subTenants,
            events,
            executorId,
            clock,
            epoch,
            pending.partition().partition(),
            this::holdLapsed);
    running.add(this);
    try {
      if (running.isCancelled(request)) {
        end(EventType.CANCELLED, JobOutcome.error("cancelled before it started"));
        return;
      }
      holdStart(ctx.event(EventType.STARTED, JobOutcome.started(request, ctx.params())));
      if (job.perTenant() && request.parentRunId() == null && isChainStep(request)) {
        // a chain waits for a step's one run, and a fan-out ends once it has planned the
        // tenants' runs: what follows would start before they ran (found by review). Chains are
        // refused such a step when defined; one stored before, or whose job came to run per
        // tenant since, fails that step here with the reason
        end(
            EventType.FAILED,
            JobOutcome.error(
                "job '"
                    + job.name()
                    + "' runs once per tenant and cannot be a step of a chain (its run would end"
                    + " before the tenants' runs ran); schedule it on its own"));
      } else if (job.perTenant() && request.parentRunId() == null) {
        FanOut.Children children = new FanOut(parts.tenants()).plan(request, clock.instant());
        ctx.log("Fanned out to " + children.requests().size() + " tenant(s)");
        end(EventType.COMPLETED, Json.object().set("result", children.result()), children);
      } else {
        invoke(job, request);
      }
    } catch (RuntimeException e) {
      LOG.error("Run {} could not be executed", request.runId(), e);
      end(EventType.FAILED, JobOutcome.error("executor error: " + e));
    } finally {
      running.remove(this);
    }
  }

  private static boolean isChainStep(JobRequest request) {
    return request.trigger() != null && request.trigger().type() == TriggerType.CHAIN;
  }

  private void invoke(JobDescriptor job, JobRequest request) {
    int timeout =
        request.timeoutSeconds() != null ? request.timeoutSeconds() : job.timeoutSeconds();
    Thread worker = Thread.currentThread();
    long stopAt = timeout * 1000L;
    long interruptAt = stopAt + settings.stopGrace.toMilliseconds();
    long abandonAt = interruptAt + settings.abandonGrace.toMilliseconds();
    List<ScheduledFuture<?>> timers = watchdogTimers;
    timeoutSeconds = timeout;
    this.worker = worker;
    if (ctx.stopReason() == StopReason.CANCEL) {
      stopSoon(); // (cancelled as it started)
    }
    timers.add(
        watchdog.schedule(
            () -> ctx.requestStop(StopReason.TIMEOUT), stopAt, TimeUnit.MILLISECONDS));
    timers.add(
        watchdog.schedule(() -> interruptWhileRunning(worker), interruptAt, TimeUnit.MILLISECONDS));
    timers.add(watchdog.schedule(() -> abandon(timeout, false), abandonAt, TimeUnit.MILLISECONDS));
    if (claimEpoch > 0) {
      long beat = Math.max(100, ttl().toMillis() / 3);
      timers.add(renewer.scheduleAtFixedRate(this::renew, beat, beat, TimeUnit.MILLISECONDS));
    }
    try {
      JsonNode result = pending.job().invoke(ctx);
      act(JobOutcome.returned(ctx.settle(), ctx.stopObserved(), result, timeout));
    } catch (Throwable t) {
      JobOutcome.Verdict verdict = JobOutcome.threw(ctx.settle(), t, timeout);
      if (verdict instanceof JobOutcome.End end && end.type() == EventType.FAILED) {
        LOG.info(
            "Run {} of {} failed: {}", request.runId(), request.jobName(), JobOutcome.describe(t));
      }
      act(verdict);
    } finally {
      if (jobThread.getAndSet(LEFT_JOB) == ABANDONED) {
        outcome.jobLeft(pending); // its job's count was kept while it ran on
      }
      synchronized (timers) {
        timers.forEach(f -> f.cancel(false));
      }
      synchronized (interrupting) {
        this.worker = null;
      }
      Thread.interrupted();
    }
  }

  /**
   * Interrupts {@code w} if it still runs this attempt's job: checked and sent under the lock its
   * end takes to let the thread go, so an interrupt never reaches the pool's thread once it runs
   * another attempt (found by review).
   */
  private void interruptWhileRunning(Thread w) {
    synchronized (interrupting) {
      if (worker == w && w != null) {
        w.interrupt();
      }
    }
  }

  private void act(JobOutcome.Verdict verdict) {
    if (verdict instanceof JobOutcome.End end) {
      end(end.type(), end.payload());
    } else {
      leaveForRedelivery();
    }
  }

  private void renew() {
    RunContext c = ctx;
    if (ended.get()) {
      ScheduledFuture<?> r = renewal;
      if (r != null) {
        r.cancel(false);
      }
      return;
    }
    if (c == null || claimEpoch == 0) {
      return;
    }
    Hold h = hold;
    Instant now = clock.instant();
    try {
      if (!parts.claims().renew(pending.claimKey(), executorId, claimEpoch, now, ttl())) {
        LOG.warn(
            "Run {} was taken over by another executor; this execution stops", pending.claimKey());
        h.lapse();
        c.requestStop(StopReason.FENCED);
      } else if (!h.extend(LeaseKeeper.validity(now, ttl()))) {
        c.requestStop(StopReason.FENCED); // renewed too late: it may have been taken over meanwhile
      }
    } catch (RuntimeException e) {
      LOG.warn("Could not renew the claim on {}: {}", pending.claimKey(), e.toString());
    }
  }

  /**
   * The job ignored the stop request and the interrupt: end the run and free the slot without it.
   * Its job's count ({@code maxConcurrency}) stays taken until its thread leaves the job (found by
   * review: a {@code maxConcurrency = 1} job's next run started beside the one still running).
   */
  private void abandon(int timeout, boolean afterACancel) {
    // once: a cancel's abandon and the timeout's may both come (taken twice, the job's count
    // would be taken down twice: found by review)
    if (!ended.get() && abandoned.compareAndSet(false, true)) {
      outcome.abandoning(pending); // first: the thread may leave the job at any moment
      if (!jobThread.compareAndSet(IN_JOB, ABANDONED)) {
        outcome.jobLeft(pending); // it left just now, and ends as it does
        return;
      }
      LOG.warn(
          "Run {} of {} ignored stop and interrupt; abandoning its thread (its worker is freed;"
              + " a maxConcurrency count of {} stays taken until the thread leaves the job)",
          request().runId(),
          request().jobName(),
          request().jobName());
      act(
          JobOutcome.abandoned(
              // (its own timeout passed: timed out, whatever stopped it first)
              !afterACancel && ctx.stopReason() == StopReason.SHUTDOWN
                  ? StopReason.TIMEOUT
                  : ctx.stopReason(),
              timeout));
    }
  }

  /**
   * Shutdown stopped the job before it finished: release the claim so another executor runs it at
   * once.
   */
  private void leaveForRedelivery() {
    if (markEnded()) {
      if (claimEpoch > 0) {
        parts.claims().release(pending.claimKey(), executorId, claimEpoch);
      }
      outcome.gone(pending);
      endOut.countDown();
    }
  }

  /** Called by the executor at the end of the drain: this execution may no longer emit. */
  void abandonSilently(boolean releaseClaim) {
    if (markEnded()) {
      if (releaseClaim && claimEpoch > 0) {
        parts.claims().release(pending.claimKey(), executorId, claimEpoch);
      }
      RunContext c = ctx;
      if (c != null) {
        c.requestStop(StopReason.SHUTDOWN);
      }
      endOut.countDown();
    }
  }

  private volatile HeldStart heldStart;

  /**
   * Holds the start event back ({@link HeldStart}); a job still going, or one that logs, gets it
   * published first.
   */
  private void holdStart(RunEvent start) {
    HeldStart held =
        HeldStart.hold(
            start,
            watchdog,
            s -> {
              if (!running.isFenced(pending.claimKey(), epoch)) {
                events.publish(s, pending.partition().partition());
              }
            });
    heldStart = held;
    ctx.beforeEmit(held::publish);
  }

  /** The start still held back, taken for the end to carry (null once published). */
  private RunEvent takeHeldStart() {
    HeldStart held = heldStart;
    return held == null ? null : held.takeForEnd();
  }

  /**
   * Ends the attempt once: records it on the claim (fencing), publishes it, maybe sets a retry
   * timer.
   */
  void end(EventType type, JsonNode payload) {
    end(type, payload, null);
  }

  /** Ends the attempt, sending {@code children} (or none, if null) with its end. */
  private void end(EventType type, JsonNode payload, FanOut.Children children) {
    if (!markEnded()) {
      return;
    }
    try {
      publishEnd(
          type,
          payload,
          children == null || handedOver() ? List.<PreparedRequest>of() : children.requests());
    } finally {
      endOut.countDown();
    }
  }

  private void publishEnd(EventType type, JsonNode payload, List<PreparedRequest> children) {
    // decided before the end is written, so the end itself says the run goes on (a reader of the
    // run between this end and the retry's announcement must not take it for the run's last)
    // not after a cancel of this attempt: one that failed as (or after) it was cancelled
    Optional<RetryPolicy.Retry> retry =
        running.isCancelled(request())
            ? Optional.empty()
            : retries.after(request(), pending.job().descriptor(), type, clock.instant());
    RunEvent start = takeHeldStart();
    RunEvent terminal =
        ctx.event(
            type, RetryTimer.announcedIn(JobOutcome.carrying(payload, start), retry.orElse(null)));
    // numbered right after the end, as an executor publishing the end again numbers it
    RunEvent retryAnnounced =
        retry
            .map(r -> ctx.event(EventType.RETRY_SCHEDULED, RetryTimer.announcement(r)))
            .orElse(null);
    // a job may end without having looked at its lease, e.g. in a process frozen past it
    boolean fenced =
        ctx.stopReason() == StopReason.FENCED
            || running.isFenced(pending.claimKey(), epoch)
            || holdLapsed();
    if (!fenced && claimEpoch > 0) {
      byte[] bytes =
          Topics.EVENTS.valueSerde().serializer().serialize(Topics.EVENTS.name(), terminal);
      if (bytes.length > EventSize.MAX_BYTES) {
        // the claim keeps the end as it is sent: a takeover publishes it again
        terminal = EventSize.fitted(terminal, bytes.length);
        bytes = Topics.EVENTS.valueSerde().serializer().serialize(Topics.EVENTS.name(), terminal);
      }
      String json = new String(bytes, StandardCharsets.UTF_8);
      try {
        fenced = !parts.claims().finish(pending.claimKey(), executorId, claimEpoch, json);
      } catch (RuntimeException e) {
        // whether it still holds the claim is not known: as if lost, the takeover below waits for
        // the claim (found by review: the exception left the slot taken and the offset open)
        LOG.warn(
            "Could not record the end of {} on its claim: {}", pending.claimKey(), e.toString());
        fenced = true;
      }
    }
    if (fenced && claimEpoch > 0 && !running.isFenced(pending.claimKey(), epoch)) {
      // its claim was lost (renewed too late, or taken), not its partition: no other owner reads
      // its request again, so it goes back through the takeover here, which waits for the claim,
      // publishes the end it holds, or runs the attempt again (found by review: it was dropped,
      // its offset stayed open for good and held its partition's commits back)
      LOG.warn(
          "Run {} ended here after its claim lapsed or was taken; its end is not published and"
              + " its request waits for whoever holds the claim",
          pending.claimKey());
      outcome.heldElsewhere(pending.withElsewhere(pending.claimKey()), clock.instant());
      return;
    }
    if (fenced) {
      LOG.warn(
          "Run {} ended here after it lost its partition or another executor took it over; its end is not "
              + "published and its request is run by that executor",
          pending.claimKey());
      outcome.gone(pending);
      return;
    }
    TimerStore.Timer retryTimer = null;
    if (retry.isPresent()) {
      try {
        retryTimer = RetryTimer.store(retry.get(), parts.timers());
        if (claimEpoch > 0) {
          parts.claims().retrySet(pending.claimKey());
        }
      } catch (RuntimeException e) {
        // found by review: the exception left the slot taken and the offset open for good
        if (claimEpoch > 0) {
          // the claim holds the end: the takeover publishes it and sets the retry once it can
          LOG.warn(
              "Could not set the retry of {}; its claim's end is published by the takeover: {}",
              pending.claimKey(),
              e.toString());
          outcome.heldElsewhere(pending.withElsewhere(pending.claimKey()), clock.instant());
          return;
        }
        LOG.warn(
            "Could not set the retry of {}; it ends without one: {}",
            pending.claimKey(),
            e.toString());
        try {
          // (the write may have been applied though it failed: its end says none follows)
          JobRequest next = retry.get().next();
          parts.timers().delete(TimerStore.retryId(next.runId().value(), next.attempt()));
        } catch (RuntimeException notDeleted) {
          e.addSuppressed(notDeleted);
        }
        terminal =
            ctx.event(
                type,
                JobOutcome.carrying(
                    JobOutcome.withNote(
                        payload, "its retry could not be stored, so none follows: " + e),
                    start));
        retryAnnounced = null;
      }
    }
    // marked ended before the end is published, so a copy read meanwhile waits for it to be sent
    EndMark mark = outcome.finished(pending, !handedOver());
    if (claimEpoch == 0) {
      // an end made void runs again; its timer must not run the next attempt meanwhile (under a
      // claim, the takeover publishes the claim's end again and its retry stands)
      mark.retryTimer(retryTimer);
    }
    events.publishEnd(
        terminal,
        retryAnnounced,
        pending.partition().partition(),
        () -> {
          pending.done().run();
          mark.sent();
        },
        mark,
        children);
  }

  /**
   * Whether the lease this attempt runs under has lapsed by this executor's clock: it may run
   * elsewhere now.
   */
  private boolean holdLapsed() {
    return hold.lapsed(clock.instant());
  }

  private Duration ttl() {
    return Duration.ofMillis(settings.claimTtl.toMilliseconds());
  }
}
