package io.jobline.store;

import com.mongodb.MongoBulkWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOneModel;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.WriteModel;
import io.jobline.run.JobStats;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.bson.types.Binary;

/**
 * {@link StatsStore} on {@code job_stats}: one document per part (key and history partition),
 * merged when read.
 */
public final class MongoStatsStore implements StatsStore {
  public static final String COLLECTION = "job_stats";
  private static final ReplaceOptions UPSERT = new ReplaceOptions().upsert(true);
  private static final BulkWriteOptions UNORDERED = new BulkWriteOptions().ordered(false);

  /** How many ends a part counts ({@link StatsStore#ends}): only more replace it. */
  private static final String ENDS = "ends";

  /** When a part was written. */
  private static final String WRITTEN_AT = "written_at";

  private final MongoCollection<Document> stats;

  private final Clock clock;

  public MongoStatsStore(MongoDatabase db) {
    this(db, Clock.systemUTC());
  }

  /**
   * @param clock when parts are written, as {@link StatsStore#REFUSE_FEWER_FOR} reads it
   */
  public MongoStatsStore(MongoDatabase db, Clock clock) {
    this.stats = db.getCollection(COLLECTION);
    this.clock = clock;
  }

  @Override
  public void replace(List<Part> parts) {
    if (parts.isEmpty()) {
      return;
    }
    List<WriteModel<Document>> writes = new ArrayList<>(parts.size());
    Instant now = clock.instant();
    Date stale = Date.from(now.minus(REFUSE_FEWER_FOR));
    for (Part p : parts) {
      String id = p.key() + "|p" + p.partition();
      long ends = StatsStore.ends(p.stats());
      // (not over a part that counts more ends, written lately: one a history instance paused
      // past its task's move wrote late, over its successor's. A part stored without the count,
      // or longer ago — history's state was reset since, and counts again from what Kafka kept —
      // is replaced)
      writes.add(
          new ReplaceOneModel<>(
              Filters.and(
                  Filters.eq("_id", id),
                  Filters.or(
                      Filters.not(Filters.gt(ENDS, ends)),
                      Filters.exists(WRITTEN_AT, false),
                      Filters.lt(WRITTEN_AT, stale))),
              document(id, p).append(ENDS, ends).append(WRITTEN_AT, Date.from(now)),
              UPSERT));
    }
    try {
      stats.bulkWrite(writes, UNORDERED);
    } catch (MongoBulkWriteException e) {
      // the guarded replace matched nothing, so the upsert tried to insert an id that exists: an
      // older part, left out; anything else is thrown
      if (e.getWriteConcernError() != null
          || e.getWriteErrors().stream().anyMatch(w -> !MongoRunStore.duplicateId(w))) {
        throw e;
      }
    }
  }

  private static Document document(String id, Part p) {
    JobStats s = p.stats();
    Document d =
        new Document("_id", id)
            .append("key", p.key())
            .append("partition", p.partition())
            .append("job_name", s.jobName());
    if (StatsView.isPerTenant(p.key())) {
      d.append("tenant_id", s.tenantId());
    }
    d.append("counts", new Document(new LinkedHashMap<>(s.counts())));
    List<JobStats.Timed> timed = s.durations();
    ByteBuffer seconds = ByteBuffer.allocate(timed.size() * Double.BYTES);
    ByteBuffer ended = ByteBuffer.allocate(timed.size() * Long.BYTES);
    for (JobStats.Timed t : timed) {
      seconds.putDouble(t.seconds());
      ended.putLong(t.endedAt());
    }
    d.append("durations", new Binary(seconds.array()))
        .append("ended_at", new Binary(ended.array()))
        .append("max_duration_seconds", s.maxDurationSeconds())
        .append("last_run_at", s.lastRunAt() == null ? null : Date.from(s.lastRunAt()));
    if (s.lastFailure() != null) {
      d.append("last_failure", StatsView.failure(s.lastFailure()));
    }
    return d;
  }

  @Override
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
    Map<String, List<JobStats>> byKey = new TreeMap<>();
    for (Document d : stats.find(Filters.and(filters))) {
      String key = d.getString("key") != null ? d.getString("key") : d.getString("_id");
      byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(read(d));
    }
    List<Document> out = new ArrayList<>();
    byKey.forEach((key, parts) -> out.add(StatsView.of(key, JobStats.merge(parts))));
    return out;
  }

  private static JobStats read(Document d) {
    Map<String, Long> counts = new LinkedHashMap<>();
    d.get("counts", new Document()).forEach((k, v) -> counts.put(k, ((Number) v).longValue()));
    double[] seconds = doubles(d.get("durations"));
    long[] ended = longs(d.get("ended_at"));
    List<JobStats.Timed> durations = new ArrayList<>(seconds.length);
    for (int i = 0; i < seconds.length; i++) {
      durations.add(new JobStats.Timed(i < ended.length ? ended[i] : 0, seconds[i]));
    }
    Number max = d.get("max_duration_seconds", Number.class);
    Date last = d.getDate("last_run_at");
    Document f = d.get("last_failure", Document.class);
    JobStats.Failure failure =
        f == null
            ? null
            : new JobStats.Failure(
                f.getString("run_id"),
                f.getDate("at") == null ? null : f.getDate("at").toInstant(),
                f.getString("error"));
    return new JobStats(
        d.getString("job_name"),
        d.getString("tenant_id"),
        counts,
        durations,
        max == null ? null : max.doubleValue(),
        last == null ? null : last.toInstant(),
        failure);
  }

  /**
   * The durations as written: big-endian doubles in one binary value (a document of 1,000 numbers
   * in an array took the embedded store about 1 ms to take in, and history wrote one for each job
   * that ended runs in a commit), or an array of numbers as versions before wrote them.
   */
  private static double[] doubles(Object stored) {
    if (stored instanceof Binary b) {
      ByteBuffer in = ByteBuffer.wrap(b.getData());
      double[] out = new double[in.remaining() / Double.BYTES];
      in.asDoubleBuffer().get(out);
      return out;
    }
    return numbers(stored).stream().mapToDouble(Number::doubleValue).toArray();
  }

  /** The end times as written: see {@link #doubles}. */
  private static long[] longs(Object stored) {
    if (stored instanceof Binary b) {
      ByteBuffer in = ByteBuffer.wrap(b.getData());
      long[] out = new long[in.remaining() / Long.BYTES];
      in.asLongBuffer().get(out);
      return out;
    }
    return numbers(stored).stream().mapToLong(Number::longValue).toArray();
  }

  private static List<Number> numbers(Object stored) {
    List<Number> out = new ArrayList<>();
    if (stored instanceof List<?> list) {
      list.forEach(v -> out.add(v instanceof Number n ? n : 0));
    }
    return out;
  }
}
