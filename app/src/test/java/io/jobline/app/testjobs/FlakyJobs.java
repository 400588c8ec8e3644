package io.jobline.app.testjobs;

import io.jobline.job.Job;
import io.jobline.job.JobContext;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** A job that fails its first attempts, for the retry tests. */
public class FlakyJobs {
  private static final Map<String, AtomicInteger> CALLS = new ConcurrentHashMap<>();

  /** Fails the first params.failures calls of a run (default 2), then succeeds. */
  @Job(name = "flaky", description = "Fails its first attempts", retries = 3, timeoutSeconds = 30)
  public Map<String, Object> flaky(JobContext ctx) {
    int call =
        CALLS.computeIfAbsent(ctx.runId().value(), k -> new AtomicInteger()).incrementAndGet();
    if (call <= ctx.params().path("failures").asInt(2)) {
      throw new IllegalStateException("failure number " + call);
    }
    return Map.of("calls", call);
  }

  /**
   * Its first call of a run waits until it is asked to stop (at most 30 s); later calls end at
   * once.
   */
  @Job(name = "hold-first", description = "Holds its first call until stopped", timeoutSeconds = 60)
  public Map<String, Object> holdFirst(JobContext ctx) throws InterruptedException {
    int call =
        CALLS.computeIfAbsent(ctx.runId().value(), k -> new AtomicInteger()).incrementAndGet();
    for (int i = 0; call == 1 && i < 3000 && !ctx.shouldStop(); i++) {
      Thread.sleep(10);
    }
    return Map.of("calls", call);
  }
}
