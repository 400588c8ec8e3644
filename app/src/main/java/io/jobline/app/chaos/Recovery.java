package io.jobline.app.chaos;

import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * When a chaos run's load counts as served as before a fault: how soon runs start in the warm-up,
 * and how long after a fault's end completions and starts are back to that.
 */
final class Recovery {
  private Recovery() {}

  /**
   * Seconds from the fault's end until the load is served as before it: the first moment from
   * which, over the next 5 s, completions run at 80% of the steady rate or more <em>and</em> the
   * runs accepted then start, at the median, within {@link #servedPromptly} of their acceptance (so
   * a burst of completions that only drains a backlog while new runs still wait does not count; the
   * median, as the minute's schedule fires make a few runs wait in any window). In steps of 250 ms.
   */
  static Double recoverySeconds(
      List<Checker.Execution> executions,
      List<Load.Accepted> accepted,
      double baselinePerSecond,
      long promptMillis,
      long faultEnd,
      long windowEnd) {
    long[] ends =
        executions.stream()
            .filter(e -> e.end() != null && "done".equals(e.outcome()))
            .mapToLong(Checker.Execution::end)
            .sorted()
            .toArray();
    Map<String, Long> firstStart = new HashMap<>();
    executions.forEach(e -> firstStart.merge(e.runId(), e.start(), Math::min));
    List<Load.Accepted> byTime =
        accepted.stream().sorted(Comparator.comparingLong(Load.Accepted::atMillis)).toList();
    double needed = 0.8 * baselinePerSecond * 5;
    for (long t = faultEnd; t + 5000 <= Math.max(windowEnd, faultEnd + 5000); t += 250) {
      long from = t;
      long until = t + 5000;
      long n = Arrays.stream(ends).filter(e -> e >= from && e < until).count();
      // a run never started counts as waiting for ever
      long[] waits =
          byTime.stream()
              .filter(a -> a.atMillis() >= from && a.atMillis() < until)
              .mapToLong(
                  a ->
                      firstStart.containsKey(a.runId())
                          ? firstStart.get(a.runId()) - a.atMillis()
                          : Long.MAX_VALUE)
              .sorted()
              .toArray();
      boolean prompt = waits.length == 0 || percentile(waits, 50) <= promptMillis;
      if (n >= needed && prompt) {
        return Math.round((t - faultEnd) / 100.0) / 10.0;
      }
    }
    return null;
  }

  /**
   * How soon after its acceptance a run starts when the load is served as usual: three times the
   * warm-up's median wait, and at least 2 s. The median, not a high percentile: the minute's 200
   * schedule fires make a few runs of any window wait long (a warm-up p99 of 26 s was seen).
   */
  static long servedPromptly(
      List<Checker.Execution> executions, List<Load.Accepted> accepted, long from, long to) {
    Map<String, Long> firstStart = new HashMap<>();
    executions.forEach(e -> firstStart.merge(e.runId(), e.start(), Math::min));
    long[] waits =
        accepted.stream()
            .filter(a -> a.atMillis() >= from && a.atMillis() < to)
            .map(
                a ->
                    firstStart.containsKey(a.runId())
                        ? firstStart.get(a.runId()) - a.atMillis()
                        : null)
            .filter(Objects::nonNull)
            .mapToLong(Long::longValue)
            .sorted()
            .toArray();
    return Math.max(2000, 3 * (waits.length == 0 ? 0 : percentile(waits, 50)));
  }

  private static long percentile(long[] sorted, int p) {
    return sorted[
        Math.max(0, Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * p / 100.0) - 1))];
  }
}
