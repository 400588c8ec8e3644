package io.jobline.store;

import io.jobline.run.JobStats;
import java.util.Date;
import java.util.LinkedHashMap;
import org.bson.Document;

/** What {@link StatsStore#find} answers for one key, whichever store kept the statistics. */
final class StatsView {
  private StatsView() {}

  static Document of(String key, JobStats s) {
    Document d = new Document("_id", key).append("job_name", s.jobName());
    if (isPerTenant(key)) {
      d.append("tenant_id", s.tenantId());
    }
    d.append("counts", new Document(new LinkedHashMap<>(s.counts())))
        .append("durations", s.durations().stream().map(JobStats.Timed::seconds).toList())
        .append("max_duration_seconds", s.maxDurationSeconds())
        .append("last_run_at", s.lastRunAt() == null ? null : Date.from(s.lastRunAt()));
    if (s.lastFailure() != null) {
      d.append("last_failure", failure(s.lastFailure()));
    }
    return d;
  }

  static Document failure(JobStats.Failure f) {
    return new Document("run_id", f.runId())
        .append("at", f.at() == null ? null : Date.from(f.at()))
        .append("error", f.error());
  }

  /** Whether {@code key} ({@link StatsStore#key}) is a job's for one tenant. */
  static boolean isPerTenant(String key) {
    return key.contains("|tenant:");
  }
}
