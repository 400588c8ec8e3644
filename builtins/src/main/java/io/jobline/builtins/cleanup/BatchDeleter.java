package io.jobline.builtins.cleanup;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import io.jobline.job.JobContext;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.bson.Document;
import org.bson.conversions.Bson;

/**
 * Deletes the documents matching a filter in bounded batches: each batch is read by id, handed to
 * an optional step (e.g. archiving) and deleted by id, then progress is reported and {@link
 * JobContext#shouldStop()} is checked.
 */
final class BatchDeleter {
  private final JobContext ctx;
  private final int batchSize;

  BatchDeleter(JobContext ctx, int batchSize) {
    this.ctx = ctx;
    this.batchSize = batchSize;
  }

  /** Deletes and returns how many went; progress runs from {@code fromPct} to {@code toPct}. */
  long delete(MongoCollection<Document> collection, Bson filter, int fromPct, int toPct) {
    return delete(collection, filter, fromPct, toPct, null);
  }

  /**
   * As {@link #delete(MongoCollection, Bson, int, int)}, handing each batch of whole documents to
   * {@code beforeDelete} first; if it throws, nothing of that batch is deleted and the job fails.
   */
  long delete(
      MongoCollection<Document> collection,
      Bson filter,
      int fromPct,
      int toPct,
      Consumer<List<Document>> beforeDelete) {
    return delete(collection, filter, fromPct, toPct, beforeDelete, null);
  }

  /**
   * As {@link #delete(MongoCollection, Bson, int, int, Consumer)}, handing {@code afterDelete} the
   * ids of each batch's documents that are gone (none, it may be): those that still matched the
   * filter when deleted, not those changed since they were read.
   */
  long delete(
      MongoCollection<Document> collection,
      Bson filter,
      int fromPct,
      int toPct,
      Consumer<List<Document>> beforeDelete,
      Consumer<List<Object>> afterDelete) {
    String name = collection.getNamespace().getCollectionName();
    long total = collection.countDocuments(filter);
    ctx.progress(name + ": " + total + " to delete", fromPct);
    long deleted = 0;
    while (true) {
      if (ctx.shouldStop()) {
        ctx.warning(
            name
                + ": stopped after deleting "
                + deleted
                + " of "
                + total
                + "; the next run goes on");
        break;
      }
      var found = collection.find(filter).limit(batchSize);
      List<Document> batch =
          beforeDelete == null
              ? found.projection(Projections.include("_id")).into(new ArrayList<>())
              : found.into(new ArrayList<>());
      if (batch.isEmpty()) {
        break;
      }
      if (beforeDelete != null) {
        beforeDelete.accept(batch);
      }
      List<Object> ids = batch.stream().map(d -> d.get("_id")).toList();
      long gone =
          collection.deleteMany(Filters.and(Filters.in("_id", ids), filter)).getDeletedCount();
      deleted += gone;
      if (afterDelete != null) {
        afterDelete.accept(
            gone == ids.size() ? ids : gone == 0 ? List.of() : gone(collection, ids));
      }
      int pct =
          total == 0
              ? toPct
              : fromPct + (int) ((toPct - fromPct) * Math.min(deleted, total) / total);
      ctx.progress(name + ": deleted " + deleted + " of " + total, pct);
      if (gone == 0 || batch.size() < batchSize) {
        break;
      }
    }
    return deleted;
  }

  /** Those of {@code ids} no document of {@code collection} carries. */
  static List<Object> gone(MongoCollection<Document> collection, List<Object> ids) {
    Set<Object> left = new HashSet<>();
    collection
        .find(Filters.in("_id", ids))
        .projection(Projections.include("_id"))
        .forEach(d -> left.add(d.get("_id")));
    return ids.stream().filter(id -> !left.contains(id)).toList();
  }
}
