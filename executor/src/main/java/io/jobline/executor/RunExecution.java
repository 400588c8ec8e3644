package io.jobline.executor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.job.JobDescriptor;
import io.jobline.store.TimerStore;
import io.jobline.topic.Topics;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import io.jobline.wire.Scope;
import io.jobline.wire.WireLimits;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt of one run on this executor: claim it, run it on its own thread, end it with exactly
 * one terminal event. A watchdog asks the job to stop at its timeout, interrupts it after a grace
 * period and abandons it after another, so a job that ignores both cannot hold a worker slot.
 */
final class RunExecution implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(RunExecution.class);

  /** What became of the execution, for the dispatcher. */
  interface Outcome {
    /**
     * The slot is free; {@code pending.done()} has been or will be called once the end is durable.
     */
    void finished(Pending pending);

    /** Another executor holds the claim until {@code until}; try again then. */
    void heldElsewhere(Pending pending, Instant until);

    /**
     * The slot is free, but the attempt did not end here (stopped for shutdown, or fenced): not
     * done.
     */
    void gone(Pending pending);
  }

  private final Pending pending;
  private final ExecutorParts parts;
  private final EventPublisher events;
  private final ExecutorSettings settings;
  private final String executorId;
  private final Clock clock;
  private final ScheduledExecutorService watchdog;
  private final Outcome outcome;
  private final Running running;
  private final RetryPolicy retries;
  private final AtomicBoolean ended = new AtomicBoolean();
  private volatile ScheduledFuture<?> renewal;

  /**
   * The lease this attempt runs under, by this executor's clock: its partition's, or its own
   * claim's.
   */
  private volatile Hold hold;

  private volatile RunContext ctx;
  private volatile long epoch;

  /** The fencing token this execution runs under. */
  long epoch() {
    return epoch;
  }

  /** Above 0 while the attempt runs under a claim of its own (handed over between executors). */
  private volatile long claimEpoch;

  /** Where the executor keeps the contexts of what runs, so cancel and shutdown can reach them. */
  interface Running {
    void add(RunExecution execution);

    void remove(RunExecution execution);

    boolean isCancelled(String runId, int attempt);

    /** Whether this attempt lost its partition (its events are not committed). */
    boolean isFenced(String claimKey, long epoch);
  }

  RunExecution(
      Pending pending,
      Hold hold,
      ExecutorParts parts,
      EventPublisher events,
      ExecutorSettings settings,
      String executorId,
      Clock clock,
      ScheduledExecutorService watchdog,
      Running running,
      Outcome outcome) {
    this.pending = pending;
    this.hold = hold;
    this.parts = parts;
    this.events = events;
    this.settings = settings;
    this.executorId = executorId;
    this.clock = clock;
    this.watchdog = watchdog;
    this.running = running;
    this.outcome = outcome;
    this.retries = RetryPolicy.of(settings);
  }

  JobRequest request() {
    return pending.request();
  }

  RunContext context() {
    return ctx;
  }

  Pending pending() {
    return pending;
  }

  @Override
  public void run() {
    epoch = pending.epoch();
    claimEpoch = pending.claimEpoch();
    if (running.isFenced(pending.claimKey(), epoch)) {
      running.remove(this); // its partition went elsewhere before it could start
      outcome.gone(pending);
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
    claimEpoch = claim;
    hold = new Hold(LeaseKeeper.validity(clock.instant(), ttl()));
    long beat = Math.max(100, ttl().toMillis() / 3);
    renewal = watchdog.scheduleAtFixedRate(this::renew, beat, beat, TimeUnit.MILLISECONDS);
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

  /**
   * Marks the attempt ended, once. Synchronized with {@link #continueUnderClaim}: an attempt either
   * ends before it is put under a claim (and its end goes out with the partition's last commit) or
   * ends under that claim (and records its end on it), never in between.
   */
  private synchronized boolean markEnded() {
    return ended.compareAndSet(false, true);
  }

  /**
   * This attempt lost its partition: it is asked to stop, and nothing it publishes from now on
   * counts.
   */
  void fence() {
    RunContext c = ctx;
    if (c != null) {
      c.requestStop(StopReason.FENCED);
    }
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
      if (running.isCancelled(request.runId().value(), request.attemptOrFirst())) {
        end(EventType.CANCELLED, error("cancelled before it started"));
        return;
      }
      ObjectNode started =
          Json.object()
              .put("job_name", request.jobName())
              .put("tenant_id", request.tenantId())
              .put(
                  "requested_at",
                  request.requestedAt() == null ? null : request.requestedAt().toString());
      started.set("params", ctx.params());
      started.set("trigger", Json.tree(request.trigger()));
      if (request.parentRunId() != null) {
        started.put("parent_run_id", request.parentRunId().value());
      }
      holdStart(ctx.event(EventType.STARTED, started));
      if (job.perTenant() && request.parentRunId() == null) {
        fanOut(request);
      } else {
        invoke(job, request);
      }
    } catch (RuntimeException e) {
      LOG.error("Run {} could not be executed", request.runId(), e);
      end(EventType.FAILED, error("executor error: " + e));
    } finally {
      running.remove(this);
    }
  }

  private void invoke(JobDescriptor job, JobRequest request) {
    int timeout =
        request.timeoutSeconds() != null ? request.timeoutSeconds() : job.timeoutSeconds();
    Thread worker = Thread.currentThread();
    long stopAt = timeout * 1000L;
    long interruptAt = stopAt + settings.stopGrace.toMilliseconds();
    long abandonAt = interruptAt + settings.abandonGrace.toMilliseconds();
    List<ScheduledFuture<?>> timers = new ArrayList<>();
    timers.add(
        watchdog.schedule(
            () -> ctx.requestStop(StopReason.TIMEOUT), stopAt, TimeUnit.MILLISECONDS));
    timers.add(watchdog.schedule(worker::interrupt, interruptAt, TimeUnit.MILLISECONDS));
    timers.add(watchdog.schedule(() -> abandon(timeout), abandonAt, TimeUnit.MILLISECONDS));
    if (claimEpoch > 0) {
      long beat = Math.max(100, ttl().toMillis() / 3);
      timers.add(watchdog.scheduleAtFixedRate(this::renew, beat, beat, TimeUnit.MILLISECONDS));
    }
    try {
      JsonNode result = pending.job().invoke(ctx);
      StopReason reason = ctx.stopReason();
      if (reason == StopReason.TIMEOUT) {
        end(EventType.TIMED_OUT, error("timed out after " + timeout + " s"));
      } else if (reason == StopReason.CANCEL) {
        end(EventType.CANCELLED, error("cancelled"));
      } else if (reason == StopReason.SHUTDOWN && ctx.stopObserved()) {
        leaveForRedelivery();
      } else {
        Optional<WireLimits.Violation> bad = WireLimits.check("result", result);
        if (bad.isPresent()) {
          end(EventType.FAILED, error("the job's result cannot be stored: " + bad.get()));
        } else {
          end(EventType.COMPLETED, Json.object().set("result", result));
        }
      }
    } catch (Throwable t) {
      StopReason reason = ctx.stopReason();
      if (reason == StopReason.TIMEOUT) {
        end(EventType.TIMED_OUT, error("timed out after " + timeout + " s: " + describe(t)));
      } else if (reason == StopReason.CANCEL) {
        end(EventType.CANCELLED, error("cancelled: " + describe(t)));
      } else if (reason == StopReason.SHUTDOWN) {
        leaveForRedelivery();
      } else {
        LOG.info("Run {} of {} failed: {}", request.runId(), request.jobName(), describe(t));
        end(EventType.FAILED, error(describe(t)));
      }
    } finally {
      timers.forEach(f -> f.cancel(false));
      Thread.interrupted();
    }
  }

  /**
   * One run per active tenant (or per descendant of the request's tenant), each with its own id.
   */
  private void fanOut(JobRequest request) {
    List<String> tenants =
        request.tenantId() == null ? parts.tenants().active() : withDescendants(request.tenantId());
    ArrayNode children = Json.mapper().createArrayNode();
    Instant now = clock.instant();
    List<CompletableFuture<?>> sent = new ArrayList<>();
    for (String tenant : tenants) {
      JobRequest child = request.childFor(tenant, now);
      sent.add(parts.requests().send(child));
      children.addObject().put("tenant_id", tenant).put("run_id", child.runId().value());
    }
    CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
    ctx.log("Fanned out to " + tenants.size() + " tenant(s)");
    ObjectNode result = Json.object().put("fanned_out", tenants.size());
    result.set("children", children);
    end(EventType.COMPLETED, Json.object().set("result", result));
  }

  private List<String> withDescendants(String tenant) {
    List<String> all = new ArrayList<>();
    all.add(tenant);
    all.addAll(parts.tenants().descendants(tenant));
    return all;
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
   */
  private void abandon(int timeout) {
    if (!ended.get()) {
      LOG.warn(
          "Run {} of {} ignored stop and interrupt; abandoning its thread",
          request().runId(),
          request().jobName());
      end(
          EventType.TIMED_OUT,
          error(
              "timed out after "
                  + timeout
                  + " s; the job ignored stop and interrupt and was abandoned"));
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
    }
  }

  /**
   * How long an attempt's start is held back: a job that ends sooner sends one event, its end,
   * carrying it.
   */
  static final long START_HOLD_MILLIS = 50;

  private volatile HeldStart heldStart;

  /**
   * Holds the start event back for {@link #START_HOLD_MILLIS}: most jobs end sooner, and then one
   * record (the end, with the start's fields under {@code started}) says both. A job still going,
   * or one that logs, gets its start published first.
   */
  private void holdStart(RunEvent start) {
    HeldStart held = new HeldStart(start);
    heldStart = held;
    ctx.beforeEmit(this::publishStart);
    held.timer(watchdog.schedule(this::publishStart, START_HOLD_MILLIS, TimeUnit.MILLISECONDS));
  }

  private void publishStart() {
    HeldStart held = heldStart;
    if (held != null) {
      held.publish(
          start -> {
            if (!running.isFenced(pending.claimKey(), epoch)) {
              events.publish(start, pending.partition().partition());
            }
          });
    }
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
    if (!markEnded()) {
      return;
    }
    RunEvent start = takeHeldStart();
    if (start != null) {
      ObjectNode merged = payload == null ? Json.object() : payload.deepCopy();
      merged.set(
          "started",
          ((ObjectNode) start.payload().deepCopy()).put("at", start.timestamp().toString()));
      payload = merged;
    }
    RunEvent terminal = ctx.event(type, payload);
    // a job may end without having looked at its lease, e.g. in a process frozen past it
    boolean fenced =
        ctx.stopReason() == StopReason.FENCED
            || running.isFenced(pending.claimKey(), epoch)
            || holdLapsed();
    if (!fenced && claimEpoch > 0) {
      String json =
          new String(
              Topics.EVENTS.valueSerde().serializer().serialize(Topics.EVENTS.name(), terminal),
              StandardCharsets.UTF_8);
      fenced = !parts.claims().finish(pending.claimKey(), executorId, claimEpoch, json);
    }
    if (fenced) {
      LOG.warn(
          "Run {} ended here after it lost its partition or another executor took it over; its end is not "
              + "published and its request is run by that executor",
          pending.claimKey());
      outcome.gone(pending);
      return;
    }
    Runnable afterEvent = pending.done();
    Optional<RetryPolicy.Retry> retry =
        retries.after(request(), pending.job().descriptor(), type, clock.instant());
    if (retry.isPresent()) {
      afterEvent = scheduleRetry(retry.get(), afterEvent);
    }
    events.publish(terminal, pending.partition().partition(), afterEvent);
    outcome.finished(pending);
  }

  /** Stores the retry's timer (the scheduler fires it) and announces it once the end is durable. */
  private Runnable scheduleRetry(RetryPolicy.Retry retry, Runnable done) {
    JobRequest next = retry.next();
    parts
        .timers()
        .set(
            new TimerStore.Timer(
                "retry:" + next.runId() + ":" + next.attempt(), retry.due(), "retry", next));
    return () -> {
      events.publish(
          ctx.event(
              EventType.RETRY_SCHEDULED,
              Json.object()
                  .put("next_attempt", next.attempt())
                  .put("max_attempts", retry.maxAttempts())
                  .put("due_at", retry.due().toString())),
          pending.partition().partition(),
          done);
    };
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

  private static JsonNode error(String message) {
    return Json.object().put("error", message);
  }

  private static String describe(Throwable t) {
    String message = t.getMessage();
    return message == null
        ? t.getClass().getSimpleName()
        : t.getClass().getSimpleName() + ": " + message;
  }
}
