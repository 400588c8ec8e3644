package io.jobline.examples;

import io.jobline.job.Job;
import io.jobline.job.JobContext;
import java.util.LinkedHashMap;
import java.util.Map;

/** Jobs for demos, tests and benchmarks. */
public class ExampleJobs {

  /** The seed's example: settles one accounting period, reporting progress as it goes. */
  @Job(
      name = "settlement",
      description = "Settle all transactions of one period (YYYY-MM)",
      timeoutSeconds = 600,
      retries = 2,
      paramsSchema =
          """
          {"type": "object",
           "required": ["period"],
           "properties": {"period": {"type": "string", "pattern": "^\\\\d{4}-(0[1-9]|1[0-2])$"}},
           "additionalProperties": false}""")
  public Map<String, Object> settlement(JobContext ctx) {
    String period = ctx.params().path("period").asText();
    ctx.log("Starting settlement for " + period);
    int processed = 0;
    int batches = 4;
    for (int batch = 1; batch <= batches && !ctx.shouldStop(); batch++) {
      processed += 25;
      ctx.progress("Processed batch " + batch + " of " + batches, batch * 100 / batches);
    }
    ctx.log("Settlement for " + period + " done: " + processed + " transactions");
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("period", period);
    result.put("processed", processed);
    return result;
  }

  /** Does nothing; the unit of the pipeline benchmark. */
  @Job(name = "noop", description = "Does nothing and returns nothing", timeoutSeconds = 30)
  public void noop(JobContext ctx) {}

  /** Sleeps for {@code seconds}, reporting progress each second and stopping early when asked. */
  @Job(
      name = "sleep",
      description = "Sleep for a number of seconds, reporting progress each second",
      timeoutSeconds = 3600,
      paramsSchema =
          """
          {"type": "object",
           "required": ["seconds"],
           "properties": {"seconds": {"type": "number", "minimum": 0}}}""")
  public Map<String, Object> sleep(JobContext ctx) throws InterruptedException {
    double seconds = ctx.params().path("seconds").asDouble();
    long totalMillis = (long) (seconds * 1000);
    long slept = 0;
    while (slept < totalMillis && !ctx.shouldStop()) {
      long step = Math.min(1000, totalMillis - slept);
      Thread.sleep(step);
      slept += step;
      ctx.progress(
          "Slept " + slept / 1000 + " of " + (long) Math.ceil(seconds) + " s",
          (int) (slept * 100 / Math.max(1, totalMillis)));
    }
    return Map.of("slept_seconds", slept / 1000.0, "stopped_early", slept < totalMillis);
  }
}
