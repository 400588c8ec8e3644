package io.jobline.embedded;

import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.bson.ObjectId;
import java.util.List;

/**
 * Finds a query's documents through the {@code _id} index when the query names one {@code _id} by
 * equality beside other conditions, then matches those few against the whole query.
 *
 * <p>The library uses an index only for a query on exactly that index's keys, so {@code {$and:
 * [{_id: x}, {fold_rank: {$not: {$gt: n}}}]}} — history's guarded upsert of a run, and every update
 * guarded by a version or an owner — decoded and matched every document of the collection.
 */
final class ByIdFirst {
  private ByIdFirst() {}

  /**
   * The positions of the documents the query's {@code _id} names, or null when the library's own
   * choice stands: the query is on {@code _id} alone or not on one plain {@code _id} (a string or
   * an ObjectId: other kinds have equality rules of their own), or no index serves {@code _id}.
   */
  static <P> Iterable<P> positions(List<Index<P>> indexes, Document query) {
    return query.size() == 1 && query.containsKey("_id") ? null : byId(indexes, idOf(query));
  }

  /** The {@code _id} a query names: its own, or one condition's of its {@code $and}; or null. */
  static Object idOf(Document query) {
    return query.containsKey("_id") ? query.get("_id") : idInAnd(query.get("$and"));
  }

  /**
   * The positions of the documents with this {@code _id}, by the index that serves {@code _id}; or
   * null when it is no plain {@code _id} (a string or an ObjectId) or no index serves it.
   */
  static <P> Iterable<P> byId(List<Index<P>> indexes, Object id) {
    if (!(id instanceof String) && !(id instanceof ObjectId)) {
      return null;
    }
    Document byId = new Document("_id", id);
    for (Index<P> index : indexes) {
      if (index.canHandle(byId)) {
        return index.getPositions(byId);
      }
    }
    return null;
  }

  /** The {@code _id} one condition of an {@code $and} names (as the driver's filters send it). */
  private static Object idInAnd(Object and) {
    if (and instanceof List<?> conditions) {
      for (Object condition : conditions) {
        if (condition instanceof Document d && d.size() == 1 && d.containsKey("_id")) {
          return d.get("_id");
        }
      }
    }
    return null;
  }
}
