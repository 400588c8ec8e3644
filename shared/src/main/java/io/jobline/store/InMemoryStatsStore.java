package io.jobline.store;

import io.jobline.run.JobStats;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
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

  /** When each part was written. */
  private final Map<String, Instant> writtenAt = new ConcurrentHashMap<>();

  private final Clock clock;

  public InMemoryStatsStore() {
    this(Clock.systemUTC());
  }

  public InMemoryStatsStore(Clock clock) {
    this.clock = clock;
  }

  @Override
  public synchronized void replace(List<Part> batch) {
    Instant now = clock.instant();
    for (Part p : batch) {
      String id = p.key() + "|p" + p.partition();
      Part stored = parts.get(id);
      Instant at = writtenAt.get(id);
      if (stored != null
          && StatsStore.ends(p.stats()) < StatsStore.ends(stored.stats())
          && at != null
          && !at.isBefore(now.minus(REFUSE_FEWER_FOR))) {
        continue; // (see MongoStatsStore#replace)
      }
      parts.put(id, new Part(p.key(), p.partition(), kept(p.stats())));
      writtenAt.put(id, now);
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
