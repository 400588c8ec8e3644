package io.jobline.store;

import io.jobline.run.JobStats;
import java.time.Duration;
import java.util.List;
import org.bson.Document;

/**
 * Per-job and per-job-and-tenant statistics ({@code job_stats}). History keeps them per partition
 * of its input, as absolute values ({@link JobStats}), and replaces its parts as runs end, so
 * writing the same statistics again after a crash counts nothing twice; reading merges the parts.
 */
public interface StatsStore {
  int DURATIONS_KEPT = JobStats.DURATIONS_KEPT;

  /**
   * The statistics a history partition keeps for one key ({@link #key}), written in place of the
   * last.
   */
  record Part(String key, int partition, JobStats stats) {}

  /**
   * How long a part stays unreplaceable by one that counts fewer ends ({@link #ends}): longer than
   * any pause a history instance wakes from to write its older figures late (past its session
   * timeout), shorter than a reset of history's state (a new application id, topics replayed from
   * what Kafka kept) should leave the figures frozen.
   */
  Duration REFUSE_FEWER_FOR = Duration.ofMinutes(10);

  /** How many ends a part counts: what tells a newer part from an older one of the same key. */
  static long ends(JobStats s) {
    return s.counts() == null ? 0 : s.counts().values().stream().mapToLong(Long::longValue).sum();
  }

  /** Replaces the given parts (each by its key and partition) in one batch. */
  void replace(List<Part> parts);

  /**
   * The statistics of a job (or all jobs when {@code jobName} is null), per job or, when {@code
   * byTenant} or a {@code tenantId} is given, per job and tenant; each merged from its parts, in
   * key order: {@code _id} (the key), {@code job_name}, {@code tenant_id} (per tenant only), {@code
   * counts}, {@code durations} (seconds, oldest first), {@code max_duration_seconds}, {@code
   * last_run_at}, {@code last_failure}.
   */
  List<Document> find(String jobName, String tenantId, boolean byTenant);

  /**
   * The key of a job's statistics, or of a job's for one tenant ({@code ""} for runs without one).
   */
  static String key(String job, String tenant) {
    return tenant == null ? "job:" + part(job) : "job:" + part(job) + "|tenant:" + part(tenant);
  }

  /**
   * A name as a part of a key: one holding the separator {@code |} with it (and {@code %}) escaped.
   * (Found by review: a refused request naming job {@code report|tenant:acme} was counted under
   * tenant acme's key of job report.) A name without it is kept as it is, as keys stored before.
   */
  private static String part(String name) {
    return name == null || name.indexOf('|') < 0
        ? name
        : name.replace("%", "%25").replace("|", "%7C");
  }
}
