package io.jobline.store;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.Updates;
import com.mongodb.client.model.WriteModel;
import io.jobline.schedule.Schedule;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bson.Document;

/**
 * {@link ScheduleStore} on {@code job_schedules}. Every save takes the next value of a counter as
 * the schedule's {@code version}; deletions leave a tombstone in {@code job_schedule_tombstones},
 * so a scheduler reloads only what changed.
 */
public final class MongoScheduleStore implements ScheduleStore {
  public static final String COLLECTION = "job_schedules";
  private static final Set<String> DATES = Set.of("last_run_at", "next_run_at", "run_at");
  private static final String VERSION_KEY = "schedules-version";
  private final MongoCollection<Document> schedules;
  private final MongoCollection<Document> tombstones;
  private final MongoCollection<Document> counters;

  public MongoScheduleStore(MongoDatabase db) {
    this.schedules = db.getCollection(COLLECTION);
    this.tombstones = db.getCollection("job_schedule_tombstones");
    this.counters = db.getCollection("job_counters");
  }

  public MongoScheduleStore ensureIndexes() {
    schedules.createIndex(Indexes.compoundIndex(Indexes.ascending("is_enabled"), Indexes.ascending("next_run_at")));
    schedules.createIndex(Indexes.ascending("version"));
    return this;
  }

  @Override
  public void save(Schedule schedule) {
    long v = bump();
    Document doc = Documents.toDocument(schedule, "job_name", DATES);
    doc.put("version", v);
    schedules.replaceOne(Filters.eq("_id", schedule.jobName()), doc, new ReplaceOptions().upsert(true));
    tombstones.deleteOne(Filters.eq("_id", schedule.jobName()));
  }

  /** Inserts many new schedules at once (bulk loading, e.g. the schedules benchmark). */
  public void insertAll(List<Schedule> batch) {
    List<Document> docs = new ArrayList<>(batch.size());
    long v = bump(batch.size()) - batch.size();
    for (Schedule s : batch) {
      Document doc = Documents.toDocument(s, "job_name", DATES);
      doc.put("version", ++v);
      docs.add(doc);
    }
    schedules.insertMany(docs);
  }

  @Override
  public Optional<Schedule> find(String jobName) {
    return Optional.ofNullable(schedules.find(Filters.eq("_id", jobName)).first()).map(MongoScheduleStore::read);
  }

  @Override
  public List<Schedule> findAll() {
    List<Schedule> out = new ArrayList<>();
    schedules.find().sort(Sorts.ascending("_id")).forEach(d -> out.add(read(d)));
    return out;
  }

  @Override
  public List<Schedule> findEnabled() {
    List<Schedule> out = new ArrayList<>();
    schedules.find(Filters.ne("is_enabled", false)).forEach(d -> out.add(read(d)));
    return out;
  }

  @Override
  public boolean delete(String jobName) {
    long v = bump();
    boolean deleted = schedules.deleteOne(Filters.eq("_id", jobName)).getDeletedCount() > 0;
    tombstones.replaceOne(Filters.eq("_id", jobName), new Document("_id", jobName).append("version", v),
        new ReplaceOptions().upsert(true));
    return deleted;
  }

  @Override
  public long version() {
    Document d = counters.find(Filters.eq("_id", VERSION_KEY)).first();
    return d == null ? 0L : d.getLong("value");
  }

  @Override
  public List<Change> changesSince(long since) {
    List<Change> out = new ArrayList<>();
    schedules.find(Filters.gt("version", since)).forEach(d -> {
      Schedule s = read(d);
      out.add(new Change(s.jobName(), s, s.version()));
    });
    tombstones.find(Filters.gt("version", since)).forEach(d ->
        out.add(new Change(d.getString("_id"), null, d.getLong("version"))));
    return out;
  }

  @Override
  public void recordFires(List<Fire> fires) {
    if (fires.isEmpty()) {
      return;
    }
    List<WriteModel<Document>> writes = new ArrayList<>(fires.size());
    for (Fire f : fires) {
      writes.add(new UpdateOneModel<>(Filters.eq("_id", f.jobName()), Updates.combine(
          Updates.set("last_run_at", Date.from(f.lastRunAt())),
          Updates.set("last_run_id", f.lastRunId()),
          Updates.set("last_run_status", f.lastRunStatus()),
          f.nextRunAt() == null ? Updates.unset("next_run_at") : Updates.set("next_run_at", Date.from(f.nextRunAt())))));
    }
    schedules.bulkWrite(writes);
  }

  private long bump() {
    return bump(1);
  }

  private long bump(long by) {
    return counters.findOneAndUpdate(Filters.eq("_id", VERSION_KEY), Updates.inc("value", by),
        new FindOneAndUpdateOptions().upsert(true).returnDocument(ReturnDocument.AFTER)).getLong("value");
  }

  private static Schedule read(Document d) {
    return Documents.fromDocument(d, Schedule.class, "job_name");
  }
}
