package io.jobline.app.testjobs;

import io.jobline.job.Job;
import io.jobline.job.JobContext;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Jobs the chain tests observe: each counts its calls per {@code params.key}. */
public class ChainTestJobs {
  private static final Map<String, AtomicInteger> CALLS = new ConcurrentHashMap<>();
  private static final Map<String, CountDownLatch> LATCHES = new ConcurrentHashMap<>();

  /** How often a job of these ran with this key. */
  public static int calls(String key) {
    AtomicInteger n = CALLS.get(key);
    return n == null ? 0 : n.get();
  }

  /** Opens the gate {@code key} (or sets the last party of a rendezvous free). */
  public static void open(String key) {
    latch(key, 1).countDown();
  }

  private static CountDownLatch latch(String key, int parties) {
    return LATCHES.computeIfAbsent(key, k -> new CountDownLatch(parties));
  }

  private static int count(JobContext ctx) {
    return CALLS
        .computeIfAbsent(ctx.params().path("key").asText(), k -> new AtomicInteger())
        .incrementAndGet();
  }

  /** Counts the call; fails the first {@code params.failures} calls of its key. */
  @Job(
      name = "counted",
      description = "Counts its calls; fails the first params.failures",
      timeoutSeconds = 30)
  public Map<String, Object> counted(JobContext ctx) {
    int call = count(ctx);
    if (call <= ctx.params().path("failures").asInt(0)) {
      throw new IllegalStateException("failure number " + call);
    }
    return Map.of("call", call);
  }

  /**
   * Waits until {@code params.parties} runs of {@code params.group} run at the same time; fails if
   * alone.
   */
  @Job(
      name = "rendezvous",
      description = "Succeeds only when its parties run at once",
      timeoutSeconds = 30)
  public Map<String, Object> rendezvous(JobContext ctx) throws InterruptedException {
    count(ctx);
    CountDownLatch all =
        latch(ctx.params().path("group").asText(), ctx.params().path("parties").asInt(2));
    all.countDown();
    if (!all.await(20, TimeUnit.SECONDS)) {
      throw new IllegalStateException(
          "the other parties of " + ctx.params().path("group").asText() + " never ran meanwhile");
    }
    return Map.of("met", true);
  }

  /** Waits until the test opens gate {@code params.key}, or until asked to stop. */
  @Job(name = "gate", description = "Waits for the test to open its gate", timeoutSeconds = 60)
  public Map<String, Object> gate(JobContext ctx) throws InterruptedException {
    count(ctx);
    CountDownLatch gate = latch(ctx.params().path("key").asText(), 1);
    while (!gate.await(50, TimeUnit.MILLISECONDS)) {
      if (ctx.shouldStop()) {
        return Map.of("stopped", true);
      }
    }
    return Map.of("opened", true);
  }
}
