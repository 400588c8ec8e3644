package io.jobline.executor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.job.JobDescriptor;
import io.jobline.store.ClaimStore;
import io.jobline.store.TimerStore;
import io.jobline.topic.Topics;
import io.jobline.wire.EventType;
import io.jobline.wire.Json;
import io.jobline.wire.JobRequest;
import io.jobline.wire.RunEvent;
import io.jobline.wire.Scope;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
    /** The slot is free; {@code pending.done()} has been or will be called once the end is durable. */
    void finished(Pending pending);

    /** Another executor holds the claim until {@code until}; try again then. */
    void heldElsewhere(Pending pending, Instant until);
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
  private final AtomicBoolean ended = new AtomicBoolean();
  private volatile RunContext ctx;
  private volatile long epoch;

  /** Where the executor keeps the contexts of what runs, so cancel and shutdown can reach them. */
  interface Running {
    void add(RunExecution execution);

    void remove(RunExecution execution);

    boolean isCancelled(String runId, int attempt);
  }

  RunExecution(Pending pending, ExecutorParts parts, EventPublisher events, ExecutorSettings settings,
      String executorId, Clock clock, ScheduledExecutorService watchdog, Running running, Outcome outcome) {
    this.pending = pending;
    this.parts = parts;
    this.events = events;
    this.settings = settings;
    this.executorId = executorId;
    this.clock = clock;
    this.watchdog = watchdog;
    this.running = running;
    this.outcome = outcome;
  }

  JobRequest request() {
    return pending.request();
  }

  RunContext context() {
    return ctx;
  }

  @Override
  public void run() {
    ClaimStore.Claim claim;
    try {
      claim = parts.claims().claim(pending.claimKey(), executorId, clock.instant(), ttl());
    } catch (RuntimeException e) {
      LOG.warn("Cannot claim run {}: {}; trying again shortly", pending.claimKey(), e.toString());
      outcome.heldElsewhere(pending, clock.instant().plusSeconds(1));
      return;
    }
    switch (claim.outcome()) {
      case ALREADY_DONE -> duplicate(claim);
      case HELD_ELSEWHERE -> outcome.heldElsewhere(pending, claim.expiresAt());
      case CLAIMED -> {
        epoch = claim.epoch();
        execute();
      }
    }
  }

  /** The attempt already ended elsewhere: publish its terminal event again (harmless) and move on. */
  private void duplicate(ClaimStore.Claim claim) {
    Executor.DUPLICATES.incrementAndGet();
    if (claim.terminalEvent() != null) {
      events.publish(Topics.EVENTS.valueSerde().deserializer().deserialize(Topics.EVENTS.name(),
          claim.terminalEvent().getBytes(java.nio.charset.StandardCharsets.UTF_8)), pending.done());
    } else {
      pending.done().run();
    }
    outcome.finished(pending);
  }

  private void execute() {
    JobDescriptor job = pending.job().descriptor();
    JobRequest request = pending.request();
    Scope scope = request.scope() != null ? request.scope() : job.scope();
    List<String> subTenants = scope == Scope.PARENT_TENANT && request.tenantId() != null
        ? parts.tenants().descendants(request.tenantId()) : List.of();
    ctx = new RunContext(request, scope, subTenants, events, executorId, clock, epoch);
    running.add(this);
    try {
      if (running.isCancelled(request.runId().value(), request.attemptOrFirst())) {
        end(EventType.CANCELLED, error("cancelled before it started"));
        return;
      }
      ObjectNode started = Json.object().put("job_name", request.jobName())
          .put("tenant_id", request.tenantId())
          .put("requested_at", request.requestedAt() == null ? null : request.requestedAt().toString());
      started.set("params", ctx.params());
      started.set("trigger", Json.tree(request.trigger()));
      if (request.parentRunId() != null) {
        started.put("parent_run_id", request.parentRunId().value());
      }
      ctx.emit(EventType.STARTED, started);
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
    int timeout = request.timeoutSeconds() != null ? request.timeoutSeconds() : job.timeoutSeconds();
    Thread worker = Thread.currentThread();
    long stopAt = timeout * 1000L;
    long interruptAt = stopAt + settings.stopGrace.toMilliseconds();
    long abandonAt = interruptAt + settings.abandonGrace.toMilliseconds();
    List<ScheduledFuture<?>> timers = new ArrayList<>();
    timers.add(watchdog.schedule(() -> ctx.requestStop(RunContext.TIMEOUT), stopAt, TimeUnit.MILLISECONDS));
    timers.add(watchdog.schedule(worker::interrupt, interruptAt, TimeUnit.MILLISECONDS));
    timers.add(watchdog.schedule(() -> abandon(timeout), abandonAt, TimeUnit.MILLISECONDS));
    long beat = Math.max(100, ttl().toMillis() / 3);
    timers.add(watchdog.scheduleAtFixedRate(this::renew, beat, beat, TimeUnit.MILLISECONDS));
    try {
      JsonNode result = pending.job().invoke(ctx);
      String reason = ctx.stopReason();
      if (RunContext.TIMEOUT.equals(reason)) {
        end(EventType.TIMED_OUT, error("timed out after " + timeout + " s"));
      } else if (RunContext.CANCEL.equals(reason)) {
        end(EventType.CANCELLED, error("cancelled"));
      } else if (RunContext.SHUTDOWN.equals(reason) && ctx.stopObserved()) {
        leaveForRedelivery();
      } else {
        java.util.Optional<io.jobline.wire.WireLimits.Violation> bad = io.jobline.wire.WireLimits.check("result", result);
        if (bad.isPresent()) {
          end(EventType.FAILED, error("the job's result cannot be stored: " + bad.get()));
        } else {
          end(EventType.COMPLETED, Json.object().set("result", result));
        }
      }
    } catch (Throwable t) {
      String reason = ctx.stopReason();
      if (RunContext.TIMEOUT.equals(reason)) {
        end(EventType.TIMED_OUT, error("timed out after " + timeout + " s: " + describe(t)));
      } else if (RunContext.CANCEL.equals(reason)) {
        end(EventType.CANCELLED, error("cancelled: " + describe(t)));
      } else if (RunContext.SHUTDOWN.equals(reason)) {
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

  /** One run per active tenant (or per descendant of the request's tenant), each with its own id. */
  private void fanOut(JobRequest request) {
    List<String> tenants = request.tenantId() == null ? parts.tenants().active()
        : withDescendants(request.tenantId());
    ArrayNode children = Json.mapper().createArrayNode();
    Instant now = clock.instant();
    List<java.util.concurrent.CompletableFuture<?>> sent = new ArrayList<>();
    for (String tenant : tenants) {
      JobRequest child = request.childFor(tenant, now);
      sent.add(parts.requests().send(child));
      children.addObject().put("tenant_id", tenant).put("run_id", child.runId().value());
    }
    java.util.concurrent.CompletableFuture.allOf(sent.toArray(java.util.concurrent.CompletableFuture[]::new)).join();
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
    if (c == null || ended.get()) {
      return;
    }
    try {
      if (!parts.claims().renew(pending.claimKey(), executorId, epoch, clock.instant(), ttl())) {
        LOG.warn("Run {} was taken over by another executor; this execution stops", pending.claimKey());
        c.requestStop(RunContext.FENCED);
      }
    } catch (RuntimeException e) {
      LOG.warn("Could not renew the claim on {}: {}", pending.claimKey(), e.toString());
    }
  }

  /** The job ignored the stop request and the interrupt: end the run and free the slot without it. */
  private void abandon(int timeout) {
    if (!ended.get()) {
      LOG.warn("Run {} of {} ignored stop and interrupt; abandoning its thread", request().runId(), request().jobName());
      end(EventType.TIMED_OUT, error("timed out after " + timeout + " s; the job ignored stop and interrupt and was abandoned"));
    }
  }

  /** Shutdown stopped the job before it finished: release the claim so another executor runs it at once. */
  private void leaveForRedelivery() {
    if (ended.compareAndSet(false, true)) {
      parts.claims().release(pending.claimKey(), executorId, epoch);
      outcome.finished(pending);
    }
  }

  /** Called by the executor on crash or at the end of the drain: this execution may no longer emit. */
  void abandonSilently(boolean releaseClaim) {
    if (ended.compareAndSet(false, true)) {
      if (releaseClaim && epoch > 0) {
        parts.claims().release(pending.claimKey(), executorId, epoch);
      }
      RunContext c = ctx;
      if (c != null) {
        c.requestStop(RunContext.SHUTDOWN);
      }
    }
  }

  /** Ends the attempt once: records it on the claim (fencing), publishes it, maybe sets a retry timer. */
  void end(EventType type, JsonNode payload) {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    RunEvent terminal = ctx.event(type, payload);
    String json = new String(Topics.EVENTS.valueSerde().serializer().serialize(Topics.EVENTS.name(), terminal),
        java.nio.charset.StandardCharsets.UTF_8);
    if (RunContext.FENCED.equals(ctx.stopReason())
        || !parts.claims().finish(pending.claimKey(), executorId, epoch, json)) {
      LOG.warn("Run {} ended here after another executor took it over; its end is not published",
          pending.claimKey());
      pending.done().run();
      outcome.finished(pending);
      return;
    }
    Runnable afterEvent = pending.done();
    if ((type == EventType.FAILED || type == EventType.TIMED_OUT) && attemptsLeft()) {
      afterEvent = scheduleRetry(afterEvent);
    }
    events.publish(terminal, afterEvent);
    outcome.finished(pending);
  }

  private boolean attemptsLeft() {
    return request().attemptOrFirst() < maxAttempts();
  }

  private int maxAttempts() {
    Integer given = request().maxAttempts();
    return given != null ? given : pending.job().descriptor().defaultMaxAttempts();
  }

  /** Stores a retry timer for the next attempt and announces it; the scheduler fires it. */
  private Runnable scheduleRetry(Runnable done) {
    JobRequest request = request();
    Duration base = request.retryBackoffSeconds() != null ? Duration.ofSeconds(request.retryBackoffSeconds())
        : Duration.ofMillis(settings.retryBackoff.toMilliseconds());
    Duration cap = request.retryBackoffCapSeconds() != null ? Duration.ofSeconds(request.retryBackoffCapSeconds())
        : Duration.ofMillis(settings.retryBackoffCap.toMilliseconds());
    Instant due = clock.instant().plus(Backoff.delay(request.attemptOrFirst(), base, cap));
    JobRequest next = request.nextAttempt(maxAttempts(), due);
    parts.timers().set(new TimerStore.Timer("retry:" + request.runId() + ":" + next.attempt(), due, "retry", next));
    return () -> {
      events.publish(ctx.event(EventType.RETRY_SCHEDULED, Json.object()
          .put("next_attempt", next.attempt()).put("max_attempts", maxAttempts())
          .put("due_at", due.toString())), done);
    };
  }

  private Duration ttl() {
    return Duration.ofMillis(settings.claimTtl.toMilliseconds());
  }

  private static JsonNode error(String message) {
    return Json.object().put("error", message);
  }

  private static String describe(Throwable t) {
    String message = t.getMessage();
    return message == null ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": " + message;
  }
}
