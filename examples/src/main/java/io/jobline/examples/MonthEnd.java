package io.jobline.examples;

import io.jobline.chain.Chain;
import io.jobline.chain.ChainStep;
import io.jobline.chain.JobChain;
import io.jobline.chain.OnFailure;
import io.jobline.job.Job;
import io.jobline.job.JobContext;
import java.util.Map;

/**
 * The seed's month-end close: settlement, then invoicing, then reporting. Invoicing may fail
 * without holding up the report ({@code continue}).
 */
public class MonthEnd {
  private static final String PERIOD_SCHEMA =
      """
      {"type": "object",
       "required": ["period"],
       "properties": {"period": {"type": "string", "pattern": "^\\\\d{4}-(0[1-9]|1[0-2])$"},
                      "simulate_failure": {"type": "boolean"}}}""";

  /** The chain, found by the same scan that finds the jobs. */
  @JobChain
  public static Chain monthEnd() {
    return Chain.chain(
        "month-end",
        "Close a month: settle, invoice, report",
        ChainStep.step("settlement"),
        ChainStep.step("invoicing").dependsOn("settlement").onFailure(OnFailure.CONTINUE),
        ChainStep.step("reporting").dependsOn("invoicing"));
  }

  /** Invoices a settled period; {@code simulate_failure} makes it fail (for demos). */
  @Job(
      name = "invoicing",
      description = "Send the invoices of one period (YYYY-MM)",
      timeoutSeconds = 600,
      paramsSchema = PERIOD_SCHEMA)
  public Map<String, Object> invoicing(JobContext ctx) {
    String period = ctx.params().path("period").asText();
    if (ctx.params().path("simulate_failure").asBoolean(false)) {
      throw new IllegalStateException("invoicing for " + period + " failed (simulated)");
    }
    ctx.log("Invoiced " + period);
    return Map.of("period", period, "invoices", 42);
  }

  /** Writes the month's report. */
  @Job(
      name = "reporting",
      description = "Report on one period (YYYY-MM)",
      timeoutSeconds = 600,
      paramsSchema = PERIOD_SCHEMA)
  public Map<String, Object> reporting(JobContext ctx) {
    String period = ctx.params().path("period").asText();
    ctx.log("Reported " + period);
    return Map.of("period", period, "report", "month-end-" + period + ".pdf");
  }
}
