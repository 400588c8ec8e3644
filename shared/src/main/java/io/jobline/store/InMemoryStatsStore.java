package io.jobline.store;

import io.jobline.run.JobStats;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import org.bson.Document;

/**
 * {@link StatsStore} in memory, for logic tests; safe to use from several threads. It keeps the
 * parts as {@link MongoStatsStore} would read them back (times to the millisecond) and merges them
 * the same way when read.
 */
public final class InMemoryStatsStore implements StatsStore {
  /** Parts by key and partition. */
  private final Map<String, Part> parts = new ConcurrentSkipListMap<>();

  @Override
  public void replace(List<Part> batch) {
    for (Part p : batch) {
      parts.merge(
          p.key() + "|p" + p.partition(),
          new Part(p.key(), p.partition(), kept(p.stats())),
          (stored, now) -> ends(now.stats()) < ends(stored.stats()) ? stored : now);
    }
  }

  @Override
  public List<Document> find(String jobName, String tenantId, boolean byTenant) {
    boolean perTenant = byTenant || tenantId != null;
    Map<String, List<JobStats>> byKey = new TreeMap<>();
    for (Part p : parts.values()) {
      JobStats s = p.stats();
      if ((jobName == null || jobName.equals(s.jobName()))
          && StatsView.isPerTenant(p.key()) == perTenant
          && (tenantId == null || tenantId.equals(s.tenantId()))) {
        byKey.computeIfAbsent(p.key(), k -> new ArrayList<>()).add(s);
      }
    }
    List<Document> out = new ArrayList<>();
    byKey.forEach((key, kept) -> out.add(StatsView.of(key, JobStats.merge(kept))));
    return out;
  }

  /** How many ends a part counts: what tells a newer part from an older one of the same key. */
  static long ends(JobStats s) {
    return s.counts() == null ? 0 : s.counts().values().stream().mapToLong(Long::longValue).sum();
  }

  private static JobStats kept(JobStats s) {
    JobStats.Failure f = s.lastFailure();
    return new JobStats(
        s.jobName(),
        s.tenantId(),
        s.counts() == null
            ? Map.of()
            : Collections.unmodifiableMap(new LinkedHashMap<>(s.counts())),
        s.durations() == null ? List.of() : List.copyOf(s.durations()),
        s.maxDurationSeconds(),
        millis(s.lastRunAt()),
        f == null ? null : new JobStats.Failure(f.runId(), millis(f.at()), f.error()));
  }

  private static Instant millis(Instant t) {
    return t == null ? null : t.truncatedTo(ChronoUnit.MILLIS);
  }
}
