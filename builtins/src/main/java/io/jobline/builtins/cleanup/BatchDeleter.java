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
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.bson.codecs.DocumentCodec;
import org.bson.conversions.Bson;

/**
 * Deletes the documents matching a filter in bounded batches: each batch is read, then part by part
 * ({@link #MAX_PART_BYTES} of ids at most) handed to an optional step (e.g. archiving) and deleted
 * by id; then progress is reported and {@link JobContext#shouldStop()} is checked.
 */
final class BatchDeleter {
  /**
   * The most bytes of ids a part names, far below the 16 MB a command or a document may hold (found
   * by review: a batch of 100,000 run ids of 512 characters, named in one {@code $in} and in one
   * note of the run-history cleanup, was over it, and the job failed on every run).
   */
  static final int MAX_PART_BYTES = 2 * 1024 * 1024;

  private static final DocumentCodec CODEC = new DocumentCodec();

  private final JobContext ctx;
  private final int batchSize;

  BatchDeleter(JobContext ctx, int batchSize) {
    this.ctx = ctx;
    this.batchSize = batchSize;
  }

  /** Deletes and returns how many went; progress runs from {@code fromPct} to {@code toPct}. */
  long delete(MongoCollection<Document> collection, Bson filter, int fromPct, int toPct) {
    return delete(collection, filter, fromPct, toPct, null, false, null);
  }

  /**
   * As {@link #delete(MongoCollection, Bson, int, int)}, handing each part of a batch, whole
   * documents, to {@code beforeDelete} first; if it throws, nothing of that part is deleted and the
   * job fails.
   */
  long delete(
      MongoCollection<Document> collection,
      Bson filter,
      int fromPct,
      int toPct,
      Consumer<List<Document>> beforeDelete) {
    return delete(
        collection,
        filter,
        fromPct,
        toPct,
        beforeDelete == null
            ? null
            : part -> {
              beforeDelete.accept(part);
              return ids(part);
            },
        true,
        null);
  }

  /**
   * As {@link #delete(MongoCollection, Bson, int, int)}, handing {@code beforeDelete} the ids of
   * each part first, which answers those of them to delete (only ids are read: found by review,
   * whole runs of a thousand log lines each were read a batch at a time, half a gigabyte in an
   * executor of 768 MiB), and {@code afterDelete} the ids of each part's documents that are gone
   * (none, it may be): those that still matched the filter when deleted, not those changed since
   * they were read. The ids kept are read again in the next batch: a batch of only those ends the
   * run.
   */
  long deleteIds(
      MongoCollection<Document> collection,
      Bson filter,
      int fromPct,
      int toPct,
      UnaryOperator<List<Object>> beforeDelete,
      Consumer<List<Object>> afterDelete) {
    return delete(
        collection,
        filter,
        fromPct,
        toPct,
        part -> beforeDelete.apply(ids(part)),
        false,
        afterDelete);
  }

  private static List<Object> ids(List<Document> part) {
    return part.stream().map(d -> d.get("_id")).toList();
  }

  /** {@code beforeDelete} answers the ids of the part to delete; null: no step, every one. */
  private long delete(
      MongoCollection<Document> collection,
      Bson filter,
      int fromPct,
      int toPct,
      Function<List<Document>, List<Object>> beforeDelete,
      boolean whole,
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
          whole
              ? found.into(new ArrayList<>())
              : found.projection(Projections.include("_id")).into(new ArrayList<>());
      if (batch.isEmpty()) {
        break;
      }
      long gone = 0;
      for (List<Document> part : parts(batch)) {
        List<Object> ids = beforeDelete != null ? beforeDelete.apply(part) : ids(part);
        if (ids.isEmpty()) {
          continue;
        }
        long n =
            collection.deleteMany(Filters.and(Filters.in("_id", ids), filter)).getDeletedCount();
        gone += n;
        if (afterDelete != null) {
          afterDelete.accept(n == ids.size() ? ids : n == 0 ? List.of() : gone(collection, ids));
        }
      }
      deleted += gone;
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

  /** {@code batch} cut in order into parts whose ids take at most {@link #MAX_PART_BYTES}. */
  static List<List<Document>> parts(List<Document> batch) {
    List<List<Document>> out = new ArrayList<>();
    int from = 0;
    long bytes = 0;
    for (int i = 0; i < batch.size(); i++) {
      int size = bsonSize(batch.get(i).get("_id"));
      if (i > from && bytes + size > MAX_PART_BYTES) {
        out.add(batch.subList(from, i));
        from = i;
        bytes = 0;
      }
      bytes += size;
    }
    if (from < batch.size()) {
      out.add(batch.subList(from, batch.size()));
    }
    return out;
  }

  /** The bytes {@code id} takes as an element of a BSON array or document. */
  private static int bsonSize(Object id) {
    return new RawBsonDocument(new Document("_id", id), CODEC).getByteBuffer().remaining();
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
