package io.jobline.app.testjobs;

import io.jobline.job.Job;
import io.jobline.job.JobContext;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** A job the stream tests follow: it says a lot at once, then stays running until stopped. */
public class StreamTestJobs {
  /**
   * Logs params.lines lines (default 500) of params.size characters (default 1,000) at once, then
   * waits until stopped.
   */
  @Job(
      name = "chatty",
      description = "Logs many long lines at once, then waits until it is stopped (at most 2 min)",
      timeoutSeconds = 180)
  public Map<String, Object> chatty(JobContext ctx) throws InterruptedException {
    int lines = ctx.params().path("lines").asInt(500);
    String text = "x".repeat(ctx.params().path("size").asInt(1000));
    for (int i = 1; i <= lines; i++) {
      ctx.log(i + " " + text);
    }
    CountDownLatch never = new CountDownLatch(1);
    long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (!ctx.shouldStop() && System.nanoTime() < end) {
      never.await(100, TimeUnit.MILLISECONDS);
    }
    return Map.of("lines", lines);
  }
}
