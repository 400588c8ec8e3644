package io.jobline.app;

import io.jobline.store.RunStore;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The headline figures of {@code jobline bench}: throughput, dispatch latency and history's lag,
 * read from the runs' timings in the store; and the rounding and percentiles its reports use.
 */
final class BenchReport {
  private BenchReport() {}

  /**
   * The bench's report so far: what was offered ({@code rate} 0 is as fast as possible), and the
   * throughput and latencies of the runs {@code ids}, all visible after {@code seconds}.
   */
  static Map<String, Object> headline(
      RunStore runs, List<String> ids, double seconds, int tenants, int payloadBytes, int rate) {
    List<RunStore.RunTiming> timings = runs.timings(ids);
    long[] dispatch =
        timings.stream()
            .filter(t -> t.startedAt() != null)
            .mapToLong(t -> Duration.between(t.requestedAt(), t.startedAt()).toMillis())
            .sorted()
            .toArray();
    long[] lag =
        timings.stream()
            .mapToLong(t -> Duration.between(t.completedAt(), t.visibleAt()).toMillis())
            .sorted()
            .toArray();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("jobs", timings.size());
    out.put("tenants", tenants);
    out.put("payload_bytes", payloadBytes);
    out.put("offered_rate", rate == 0 ? "max" : rate);
    out.put("elapsed_s", round(seconds));
    out.put("throughput_jobs_per_s", round(timings.size() / seconds));
    out.put(
        "dispatch_latency_ms",
        Map.of("p50", pct(dispatch, 50), "p95", pct(dispatch, 95), "p99", pct(dispatch, 99)));
    out.put("history_lag_ms", Map.of("p50", pct(lag, 50), "p99", pct(lag, 99)));
    return out;
  }

  /** The p-th percentile (nearest rank) of sorted values; -1 when there are none. */
  static long pct(long[] sorted, int p) {
    if (sorted.length == 0) {
      return -1;
    }
    int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  static double round(double v) {
    return Math.round(v * 10) / 10.0;
  }

  static double round2(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
