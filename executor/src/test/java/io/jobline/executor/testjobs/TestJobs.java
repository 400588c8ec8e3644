package io.jobline.executor.testjobs;

import io.jobline.job.Job;
import io.jobline.job.JobContext;
import io.jobline.wire.Scope;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/** Jobs whose behaviour the executor tests observe. */
public class TestJobs {
  /** How many times each run id was executed, across every executor in this JVM. */
  public static final Map<String, AtomicInteger> EXECUTIONS = new ConcurrentHashMap<>();

  public static final AtomicInteger SOLO_RUNNING = new AtomicInteger();
  public static final AtomicInteger SOLO_PEAK = new AtomicInteger();

  private static void count(JobContext ctx) {
    EXECUTIONS.computeIfAbsent(ctx.runId().value(), k -> new AtomicInteger()).incrementAndGet();
  }

  /** While false, runs of "gated" wait (tests decide when they end, not the clock). */
  public static volatile boolean GATE_OPEN = true;

  @Job(name = "gated", description = "Runs until the test opens the gate", timeoutSeconds = 120)
  public Map<String, Object> gated(JobContext ctx) {
    count(ctx);
    while (!GATE_OPEN && !ctx.shouldStop()) {
      LockSupport.parkNanos(10_000_000);
    }
    return Map.of("epoch", ctx.epoch(), "stopped", ctx.shouldStop());
  }

  @Job(name = "counting", description = "Counts its executions")
  public Map<String, Object> counting(JobContext ctx) {
    count(ctx);
    return Map.of("epoch", ctx.epoch());
  }

  /** Runs for params.millis (default 20 s), checking shouldStop every 20 ms. */
  @Job(name = "long", description = "Runs until done or asked to stop", timeoutSeconds = 120)
  public Map<String, Object> longRunning(JobContext ctx) {
    count(ctx);
    long millis = ctx.params().path("millis").asLong(20_000);
    long end = System.nanoTime() + millis * 1_000_000;
    while (System.nanoTime() < end && !ctx.shouldStop()) {
      LockSupport.parkNanos(20_000_000);
    }
    return Map.of("epoch", ctx.epoch(), "stopped", ctx.shouldStop());
  }

  /** Ignores stop requests and interrupts for params.millis (default 60 s). */
  @Job(name = "stubborn", description = "Ignores stop and interrupt", timeoutSeconds = 1)
  public void stubborn(JobContext ctx) {
    count(ctx);
    long end = System.nanoTime() + ctx.params().path("millis").asLong(60_000) * 1_000_000;
    while (System.nanoTime() < end) {
      LockSupport.parkNanos(10_000_000);
      Thread.interrupted();
    }
  }

  @Job(
      name = "solo",
      description = "At most one at a time",
      maxConcurrency = 1,
      timeoutSeconds = 60)
  public void solo(JobContext ctx) {
    count(ctx);
    int now = SOLO_RUNNING.incrementAndGet();
    SOLO_PEAK.accumulateAndGet(now, Math::max);
    try {
      long end = System.nanoTime() + ctx.params().path("millis").asLong(300) * 1_000_000;
      while (System.nanoTime() < end && !ctx.shouldStop()) {
        LockSupport.parkNanos(10_000_000);
      }
    } finally {
      SOLO_RUNNING.decrementAndGet();
    }
  }

  @Job(name = "tenant-report", description = "One run per tenant", perTenant = true)
  public Map<String, Object> tenantReport(JobContext ctx) {
    count(ctx);
    return Map.of("tenant", ctx.tenantId());
  }

  @Job(
      name = "family",
      description = "Acts on a tenant and its descendants",
      scope = Scope.PARENT_TENANT)
  public List<String> family(JobContext ctx) {
    count(ctx);
    return ctx.iterTenantIds();
  }

  @Job(name = "system-work", description = "No tenant", scope = Scope.SYSTEM)
  public Map<String, Object> system(JobContext ctx) {
    ctx.warning("careful");
    ctx.error("something non-fatal");
    return Map.of("tenants", ctx.iterTenantIds(), "logged", ctx.getLogs().size());
  }

  @Job(name = "boom", description = "Always fails", retries = 0)
  public void boom(JobContext ctx) {
    count(ctx);
    throw new IllegalStateException("boom");
  }

  /**
   * Makes text of params.bytes characters (default 2 MB) and, as params.as says, returns it, logs
   * it as one line, or throws it as its error's message.
   */
  @Job(name = "oversized", description = "Returns, logs or throws text over Kafka's record limit")
  public Map<String, Object> oversized(JobContext ctx) {
    count(ctx);
    String text = "x".repeat(ctx.params().path("bytes").asInt(2 * 1024 * 1024));
    switch (ctx.params().path("as").asText("result")) {
      case "log" -> ctx.log(text);
      case "error" -> throw new IllegalStateException(text);
      default -> {
        return Map.of("text", text);
      }
    }
    return Map.of("logged", true);
  }

  /** While false, runs of "heedless" wait; they never look at shouldStop while they work. */
  public static volatile boolean HEEDLESS_GATE_OPEN = true;

  /**
   * Each execution of "heedless" once its gate opened: run id → "epoch:answer" in order, the answer
   * being what shouldStop() said, or "-" for a run whose params.ask is false (it never asks).
   */
  public static final Map<String, List<String>> HEEDLESS_SEEN = new ConcurrentHashMap<>();

  /**
   * Works until the test opens its gate without asking whether to stop, as a careless job would.
   */
  @Job(name = "heedless", description = "Ignores shouldStop while it works", timeoutSeconds = 120)
  public Map<String, Object> heedless(JobContext ctx) {
    count(ctx);
    while (!HEEDLESS_GATE_OPEN) {
      LockSupport.parkNanos(10_000_000);
    }
    String answer =
        ctx.params().path("ask").asBoolean(false) ? Boolean.toString(ctx.shouldStop()) : "-";
    HEEDLESS_SEEN
        .computeIfAbsent(ctx.runId().value(), k -> new CopyOnWriteArrayList<>())
        .add(ctx.epoch() + ":" + answer);
    return Map.of("epoch", ctx.epoch());
  }
}
