package io.jobline.store;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.ReplaceOneModel;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.WriteModel;
import io.jobline.run.LogEntry;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bson.Document;

/**
 * {@link RunLogStore} on {@code job_run_logs}; ids are run id + zero-padded position, so pages sort
 * by id. A run's range of ids also holds the lines of runs whose ids start with its own and a colon
 * (run {@code a}'s range holds those of run {@code a:b}), so every read also asks for the run's own
 * id (found by review: a run's log showed another's lines, whatever tenant that run was of).
 */
public final class MongoRunLogStore implements RunLogStore {
  public static final String COLLECTION = "job_run_logs";
  private static final ReplaceOptions UPSERT = new ReplaceOptions().upsert(true);
  private final MongoCollection<Document> logs;

  public MongoRunLogStore(MongoDatabase db) {
    this.logs = db.getCollection(COLLECTION);
  }

  public MongoRunLogStore ensureIndexes() {
    logs.createIndex(Indexes.ascending("run_id", "index"));
    return this;
  }

  private static String id(String runId, int index) {
    return runId + ":" + String.format("%07d", index);
  }

  @Override
  public void putAll(List<Line> lines) {
    if (lines.isEmpty()) {
      return;
    }
    List<WriteModel<Document>> writes = new ArrayList<>(lines.size());
    for (Line l : lines) {
      LogEntry e = l.entry();
      Document doc =
          new Document("_id", id(l.runId(), l.index()))
              .append("run_id", l.runId())
              .append("index", l.index())
              .append("timestamp", e.timestamp() == null ? null : Date.from(e.timestamp()))
              .append("level", e.level())
              .append("message", e.message())
              .append("percentage", e.percentage())
              .append("marker", l.marker());
      writes.add(new ReplaceOneModel<>(Filters.eq("_id", doc.getString("_id")), doc, UPSERT));
    }
    logs.bulkWrite(writes);
  }

  @Override
  public List<Line> page(String runId, int offset, int limit) {
    List<Line> out = new ArrayList<>();
    for (Document d :
        logs.find(
                Filters.and(
                    Filters.gte("_id", id(runId, offset)),
                    Filters.lt("_id", runId + ";"),
                    Filters.eq("run_id", runId)))
            .sort(Sorts.ascending("_id"))
            .limit(limit)) {
      Date at = d.getDate("timestamp");
      out.add(
          new Line(
              runId,
              d.getInteger("index"),
              new LogEntry(
                  at == null ? null : at.toInstant(),
                  d.getString("level"),
                  d.getString("message"),
                  d.getInteger("percentage")),
              d.getBoolean("marker", false)));
    }
    return out;
  }

  @Override
  public long count(String runId) {
    return logs.countDocuments(
        Filters.and(
            Filters.gte("_id", runId + ":"),
            Filters.lt("_id", runId + ";"),
            Filters.eq("run_id", runId)));
  }
}
