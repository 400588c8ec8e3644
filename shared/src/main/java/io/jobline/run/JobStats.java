package io.jobline.run;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Statistics of the runs of one job (or one job and tenant) that ended: counts by status, the
 * durations of the last {@value #DURATIONS_KEPT} (with when each ended, so partial statistics kept
 * apart can be merged), the longest, the last run and the last failure. Absolute values, so writing
 * the same statistics twice counts nothing twice.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobStats(
    String jobName,
    String tenantId,
    Map<String, Long> counts,
    List<Timed> durations,
    Double maxDurationSeconds,
    Instant lastRunAt,
    Failure lastFailure) {

  public static final int DURATIONS_KEPT = 1000;

  /** A run's duration and when it ended (epoch milliseconds). */
  public record Timed(long endedAt, double seconds) {}

  /** The last run that failed or timed out. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  public record Failure(String runId, Instant at, String error) {}

  public static JobStats empty(String jobName, String tenantId) {
    return new JobStats(jobName, tenantId, Map.of(), List.of(), null, null, null);
  }

  /** These statistics with one more run that ended. */
  public JobStats plus(RunRecord r) {
    return plusAll(List.of(r));
  }

  /**
   * These statistics with more runs that ended, in the order given: the same as adding them one by
   * one ({@link #plus}), with one copy of the counts and of the durations kept rather than one per
   * run (history adds each run that ends twice, per job and per job and tenant: a copy per run was
   * 4 % of its CPU in a 100,000-job bench, JFR).
   */
  public JobStats plusAll(List<RunRecord> runs) {
    Map<String, Long> c = new LinkedHashMap<>(counts == null ? Map.of() : counts);
    List<Timed> d = durations == null ? List.of() : durations;
    List<Timed> added = new ArrayList<>();
    Double max = maxDurationSeconds;
    Instant last = lastRunAt;
    Failure failure = lastFailure;
    for (RunRecord r : runs) {
      c.merge(r.status().wire(), 1L, Long::sum);
      Double seconds = r.durationSeconds();
      if (seconds != null) {
        Instant ended = r.completedAt();
        added.add(new Timed(ended == null ? 0 : ended.toEpochMilli(), seconds));
        max = max == null ? seconds : Math.max(max, seconds);
      }
      Instant at = r.requestedAt() != null ? r.requestedAt() : r.completedAt();
      if (at != null && (last == null || at.isAfter(last))) {
        last = at;
      }
      if (r.status() == RunStatus.FAILED || r.status() == RunStatus.TIMED_OUT) {
        failure = new Failure(r.runId().value(), r.completedAt(), r.error());
      }
    }
    return new JobStats(jobName, tenantId, c, lastKept(d, added), max, last, failure);
  }

  /**
   * The last {@value #DURATIONS_KEPT} of {@code kept} followed by {@code added}, copying only those
   * ({@code kept} itself when nothing was added).
   */
  private static List<Timed> lastKept(List<Timed> kept, List<Timed> added) {
    if (added.isEmpty()) {
      return kept;
    }
    int fromAdded = Math.max(0, added.size() - DURATIONS_KEPT);
    int fromKept = Math.max(0, kept.size() - (DURATIONS_KEPT - (added.size() - fromAdded)));
    List<Timed> last = new ArrayList<>(kept.size() - fromKept + added.size() - fromAdded);
    last.addAll(kept.subList(fromKept, kept.size()));
    last.addAll(added.subList(fromAdded, added.size()));
    return last;
  }

  /**
   * These statistics, then the runs {@code later} counts (statistics of runs that ended after
   * these): the same as adding those runs with {@link #plusAll} after these — counts summed, {@code
   * later}'s durations after these (the last {@value #DURATIONS_KEPT} kept), the longer longest,
   * the later last run, and {@code later}'s last failure when it has one.
   */
  public JobStats then(JobStats later) {
    Map<String, Long> c = new LinkedHashMap<>(counts == null ? Map.of() : counts);
    if (later.counts() != null) {
      later.counts().forEach((k, v) -> c.merge(k, v, Long::sum));
    }
    List<Timed> d =
        lastKept(
            durations == null ? List.of() : durations,
            later.durations() == null ? List.of() : later.durations());
    Double max = maxDurationSeconds;
    if (later.maxDurationSeconds() != null) {
      max = max == null ? later.maxDurationSeconds() : Math.max(max, later.maxDurationSeconds());
    }
    Instant last = lastRunAt;
    if (later.lastRunAt() != null && (last == null || later.lastRunAt().isAfter(last))) {
      last = later.lastRunAt();
    }
    Failure failure = later.lastFailure() != null ? later.lastFailure() : lastFailure;
    return new JobStats(jobName, tenantId, c, d, max, last, failure);
  }

  /**
   * Statistics kept apart (one per history partition) as one: sums, maxima, the latest durations.
   */
  public static JobStats merge(List<JobStats> parts) {
    JobStats first = parts.get(0);
    Map<String, Long> c = new LinkedHashMap<>();
    List<Timed> d = new ArrayList<>();
    Double max = null;
    Instant last = null;
    Failure failure = null;
    for (JobStats p : parts) {
      if (p.counts() != null) {
        p.counts().forEach((k, v) -> c.merge(k, v, Long::sum));
      }
      if (p.durations() != null) {
        d.addAll(p.durations());
      }
      if (p.maxDurationSeconds() != null) {
        max = max == null ? p.maxDurationSeconds() : Math.max(max, p.maxDurationSeconds());
      }
      if (p.lastRunAt() != null && (last == null || p.lastRunAt().isAfter(last))) {
        last = p.lastRunAt();
      }
      Failure f = p.lastFailure();
      if (f != null
          && (failure == null
              || (f.at() != null && (failure.at() == null || f.at().isAfter(failure.at()))))) {
        failure = f;
      }
    }
    d.sort(Comparator.comparingLong(Timed::endedAt));
    if (d.size() > DURATIONS_KEPT) {
      d = new ArrayList<>(d.subList(d.size() - DURATIONS_KEPT, d.size()));
    }
    return new JobStats(first.jobName(), first.tenantId(), c, d, max, last, failure);
  }
}
