package io.jobline.store;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import com.mongodb.client.model.WriteModel;
import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.bson.conversions.Bson;

/**
 * Per-job and per-job-and-tenant statistics ({@code job_stats}), kept up to date by history as
 * runs end: counts by status, the last {@value #DURATIONS_KEPT} durations (for percentiles), the
 * longest duration, the last run and the last failure.
 */
public final class StatsStore {
  public static final String COLLECTION = "job_stats";
  public static final int DURATIONS_KEPT = 1000;
  private final MongoCollection<Document> stats;

  public StatsStore(MongoDatabase db) {
    this.stats = db.getCollection(COLLECTION);
  }

  /** Counts runs that just ended, in one batch (one update per job and per job and tenant). */
  public void recordEnded(List<RunRecord> ended) {
    Map<String, List<RunRecord>> byKey = new LinkedHashMap<>();
    for (RunRecord r : ended) {
      byKey.computeIfAbsent(key(r.jobName(), null), k -> new ArrayList<>()).add(r);
      byKey.computeIfAbsent(key(r.jobName(), r.tenantId() == null ? "" : r.tenantId()), k -> new ArrayList<>()).add(r);
    }
    List<WriteModel<Document>> writes = new ArrayList<>();
    byKey.forEach((key, runs) -> {
      RunRecord first = runs.get(0);
      List<Bson> updates = new ArrayList<>();
      updates.add(Updates.set("job_name", first.jobName()));
      if (key.contains("|tenant:")) {
        updates.add(Updates.set("tenant_id", first.tenantId()));
      }
      Map<String, Integer> counts = new LinkedHashMap<>();
      runs.forEach(r -> counts.merge(r.status().wire(), 1, Integer::sum));
      counts.forEach((status, n) -> updates.add(Updates.inc("counts." + status, n)));
      List<Double> durations = runs.stream().map(RunRecord::durationSeconds).filter(d -> d != null).toList();
      if (!durations.isEmpty()) {
        updates.add(Updates.pushEach("durations", durations, new com.mongodb.client.model.PushOptions().slice(-DURATIONS_KEPT)));
        updates.add(Updates.max("max_duration_seconds", durations.stream().mapToDouble(Double::doubleValue).max().orElse(0)));
      }
      runs.stream().map(r -> r.requestedAt() != null ? r.requestedAt() : r.completedAt()).filter(t -> t != null)
          .max(java.util.Comparator.naturalOrder()).ifPresent(t -> updates.add(Updates.max("last_run_at", Date.from(t))));
      runs.stream().filter(r -> r.status() == RunStatus.FAILED || r.status() == RunStatus.TIMED_OUT)
          .reduce((a, b) -> b).ifPresent(r -> updates.add(Updates.set("last_failure", new Document("run_id", r.runId())
              .append("at", r.completedAt() == null ? null : Date.from(r.completedAt())).append("error", r.error()))));
      writes.add(new UpdateOneModel<>(Filters.eq("_id", key), Updates.combine(updates), new UpdateOptions().upsert(true)));
    });
    if (!writes.isEmpty()) {
      stats.bulkWrite(writes);
    }
  }

  /** The statistics documents of a job (or all jobs), per job or per job and tenant. */
  public List<Document> find(String jobName, String tenantId, boolean byTenant) {
    List<Bson> filters = new ArrayList<>();
    if (jobName != null) {
      filters.add(Filters.eq("job_name", jobName));
    }
    if (byTenant || tenantId != null) {
      filters.add(Filters.exists("tenant_id", true));
      if (tenantId != null) {
        filters.add(Filters.eq("tenant_id", tenantId));
      }
    } else {
      filters.add(Filters.exists("tenant_id", false));
    }
    List<Document> out = new ArrayList<>();
    stats.find(Filters.and(filters)).sort(new Document("_id", 1)).forEach(out::add);
    return out;
  }

  static String key(String job, String tenant) {
    return tenant == null ? "job:" + job : "job:" + job + "|tenant:" + tenant;
  }
}
