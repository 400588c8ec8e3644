package io.jobline.store;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.ReplaceOneModel;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.WriteModel;
import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bson.Document;

/** {@link RunStore} on the {@code job_runs} collection. */
public final class MongoRunStore implements RunStore {
  public static final String COLLECTION = "job_runs";
  static final String VISIBLE_AT = "materialized_at";
  private static final Set<String> DATES = Set.of("requested_at", "started_at", "completed_at");
  private static final ReplaceOptions UPSERT = new ReplaceOptions().upsert(true);

  private final MongoCollection<Document> runs;
  private final Clock clock;

  public MongoRunStore(MongoDatabase db, Clock clock) {
    this.runs = db.getCollection(COLLECTION);
    this.clock = clock;
  }

  /** Creates the indexes the queries need (real MongoDB uses them; the embedded store ignores them). */
  public MongoRunStore ensureIndexes() {
    runs.createIndex(Indexes.compoundIndex(Indexes.ascending("job_name"), Indexes.descending("requested_at")));
    runs.createIndex(Indexes.compoundIndex(Indexes.ascending("tenant_id"), Indexes.descending("requested_at")));
    runs.createIndex(Indexes.ascending("status"));
    return this;
  }

  @Override
  public void upsertAll(List<RunRecord> batch) {
    if (batch.isEmpty()) {
      return;
    }
    Date now = new Date(clock.millis());
    List<WriteModel<Document>> writes = new ArrayList<>(batch.size());
    for (RunRecord run : batch) {
      Document doc = Documents.toDocument(run, "run_id", DATES);
      doc.put(VISIBLE_AT, now);
      writes.add(new ReplaceOneModel<>(Filters.eq("_id", run.runId()), doc, UPSERT));
    }
    runs.bulkWrite(writes);
  }

  @Override
  public Optional<RunRecord> find(String runId) {
    Document doc = runs.find(Filters.eq("_id", runId)).first();
    if (doc == null) {
      return Optional.empty();
    }
    doc.remove(VISIBLE_AT);
    return Optional.of(Documents.fromDocument(doc, RunRecord.class, "run_id"));
  }

  @Override
  public long countByStatus(RunStatus status) {
    return runs.countDocuments(Filters.eq("status", status.wire()));
  }

  @Override
  public List<RunTiming> timings() {
    List<RunTiming> out = new ArrayList<>();
    for (Document d : runs.find().projection(Projections.include(
        "requested_at", "started_at", "completed_at", VISIBLE_AT))) {
      out.add(new RunTiming(d.getString("_id"), instant(d, "requested_at"),
          instant(d, "started_at"), instant(d, "completed_at"), instant(d, VISIBLE_AT)));
    }
    return out;
  }

  private static java.time.Instant instant(Document d, String field) {
    Date date = d.getDate(field);
    return date == null ? null : date.toInstant();
  }
}
