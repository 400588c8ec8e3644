package io.jobline.store;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import io.jobline.schedule.Schedule;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bson.Document;

/** {@link ScheduleStore} on {@code job_schedules}; a counter in {@code job_locks} versions changes. */
public final class MongoScheduleStore implements ScheduleStore {
  public static final String COLLECTION = "job_schedules";
  private static final Set<String> DATES = Set.of("last_run_at", "next_run_at");
  private static final String VERSION_KEY = "schedules-version";
  private final MongoCollection<Document> schedules;
  private final MongoCollection<Document> counters;

  public MongoScheduleStore(MongoDatabase db) {
    this.schedules = db.getCollection(COLLECTION);
    this.counters = db.getCollection("job_counters");
  }

  public MongoScheduleStore ensureIndexes() {
    schedules.createIndex(Indexes.compoundIndex(Indexes.ascending("is_enabled"), Indexes.ascending("next_run_at")));
    return this;
  }

  @Override
  public void save(Schedule schedule) {
    Document doc = Documents.toDocument(schedule, "job_name", DATES);
    schedules.replaceOne(Filters.eq("_id", schedule.jobName()), doc, new ReplaceOptions().upsert(true));
    bump();
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
    boolean deleted = schedules.deleteOne(Filters.eq("_id", jobName)).getDeletedCount() > 0;
    bump();
    return deleted;
  }

  @Override
  public long version() {
    Document d = counters.find(Filters.eq("_id", VERSION_KEY)).first();
    return d == null ? 0L : d.getLong("value");
  }

  private void bump() {
    counters.findOneAndUpdate(Filters.eq("_id", VERSION_KEY), Updates.inc("value", 1L),
        new FindOneAndUpdateOptions().upsert(true).returnDocument(ReturnDocument.AFTER));
  }

  private static Schedule read(Document d) {
    return Documents.fromDocument(d, Schedule.class, "job_name");
  }
}
