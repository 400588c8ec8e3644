package io.jobline.embedded;

import de.bwaldvogel.mongo.backend.EmptyIndex;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.Missing;
import de.bwaldvogel.mongo.backend.Utils;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.oplog.Oplog;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A shorter way through the library's update for the one shape history sends for every run it
 * writes: one document, found by its {@code _id} (beside other conditions, such as {@code
 * fold_rank: {$not: {$gt: n}}}), replaced whole.
 *
 * <p>The library decodes the stored document, deep-copies it, builds the replacement a second time
 * with every value deep-copied, asks each index about the change, then copies the replacement's
 * fields into the copy one by one before storing it. A JFR profile of {@code jobline bench} had
 * those steps at about a third of the embedded store's samples. Here the stored document is only
 * read, matched against the query, and the replacement stored in its place: the fields MongoDB
 * stores for a replacement (its {@code _id} first, then the replacement's fields in their order).
 * An upsert that finds no document inserts the same, as the library does, without building the
 * query into a document first (for a query that names nothing but the {@code _id} by equality).
 *
 * <p>Everything else is left to the library: an update with operators, a multi-update, an {@code
 * _id} that is not a string or an ObjectId, a stored document the query does not match (a guarded
 * write refused as a duplicate id), an upsert whose query names more fields by equality, a
 * replacement that names another {@code _id}, and a collection with a unique index on more than
 * {@code _id}, which a replacement may break.
 */
final class ReplaceById {
  private ReplaceById() {}

  /** A collection the short way works on: the library's, through a few methods of its own. */
  interface Target<P> {
    List<Index<P>> getIndexes();

    /** The collection's name with its database's. */
    String fullName();

    /** The library's insert: checks and fills the indexes, stores the document. */
    void addDocument(Document document);

    /** The library's field name of document ids. */
    String idField();

    /** The stored document at a position; the caller does not change it. */
    Document stored(P position);

    /** Whether a document matches the whole query, by the library's matcher. */
    boolean matches(Document document, Document query);

    /** Puts a replacement at a position in place of the document read there. */
    void replaceStored(P position, Document old, Document replacement);
  }

  /**
   * Replaces the one document the query finds by its {@code _id}, or inserts the replacement with
   * that {@code _id} when none is stored and the update is an upsert; returns the update's result
   * ({@code n}, {@code nModified}, {@code upserted}) as the library gives it, or null when the
   * library must do it.
   */
  static <P> Document update(
      Target<P> target,
      Document query,
      Document update,
      boolean isMulti,
      boolean isUpsert,
      Oplog oplog) {
    List<Index<P>> indexes = target.getIndexes();
    String idField = target.idField();
    if (isMulti
        || !"_id".equals(idField)
        || !replacement(update)
        || !onlyIdUnique(indexes, idField)) {
      return null;
    }
    Object id = ByIdFirst.idOf(query);
    Iterable<P> found = ByIdFirst.byId(indexes, id);
    if (found == null) {
      return null;
    }
    // (an explicit null too, which the library refuses: found by review, it was stored as the id)
    if (update.containsKey(idField) && !Objects.equals(update.get(idField), id)) {
      return null;
    }
    Iterator<P> positions = found.iterator();
    if (!positions.hasNext()) {
      return isUpsert && onlyIdSetByQuery(query) ? insert(target, id, update, oplog) : null;
    }
    P position = positions.next();
    Document stored = target.stored(position);
    if (stored == null || positions.hasNext() || !target.matches(stored, query)) {
      return null;
    }
    Document replaced = withId(id, update);
    if (!replaced.equals(stored)) { // the library's equality: the fields' order counts
      target.replaceStored(position, stored, replaced);
    }
    boolean modified = !sameValue(stored, replaced);
    oplog.handleUpdate(target.fullName(), query, update, modified ? List.of(id) : List.of());
    Document result = new Document();
    result.put("n", 1);
    result.put("nModified", modified ? 1 : 0);
    return result;
  }

  /** The replacement as stored: the {@code _id} first, then its fields in their order. */
  private static Document withId(Object id, Document update) {
    Document replaced = new Document();
    replaced.put("_id", id);
    replaced.putAll(update);
    Utils.validateFieldNames(replaced);
    return replaced;
  }

  /** An upsert's insert, as the library makes it of a replacement: the query's id, its fields. */
  private static <P> Document insert(Target<P> target, Object id, Document update, Oplog oplog) {
    Document inserted = withId(id, update);
    target.addDocument(inserted);
    oplog.handleInsert(target.fullName(), List.of(inserted));
    Document result = new Document();
    result.put("upserted", id);
    result.put("n", 0);
    result.put("nModified", 0);
    return result;
  }

  /**
   * Whether the query sets nothing but the {@code _id} of an upsert's insert: besides its {@code
   * _id}, only conditions with operators (such as {@code {fold_rank: {$not: {$gt: n}}}}), alone or
   * in one {@code $and}. The library would make an insert of other queries' equalities, or refuse
   * them, and does so itself.
   */
  private static boolean onlyIdSetByQuery(Document query) {
    int ids = 0;
    for (Map.Entry<String, Object> condition : query.entrySet()) {
      String field = condition.getKey();
      Object value = condition.getValue();
      if (field.equals("_id")) {
        ids++;
      } else if (field.equals("$and") && value instanceof List<?> and) {
        for (Object each : and) {
          if (!(each instanceof Document d) || d.size() != 1) {
            return false;
          }
          Map.Entry<String, Object> inner = d.entrySet().iterator().next();
          if (inner.getKey().equals("_id")) {
            ids++;
          } else if (!operatorsOnly(inner.getKey(), inner.getValue())) {
            return false;
          }
        }
      } else if (!operatorsOnly(field, value)) {
        return false;
      }
    }
    return ids == 1;
  }

  /** A field's condition made of operators only, none of them {@code $eq}. */
  private static boolean operatorsOnly(String field, Object value) {
    if (field.startsWith("$") || !(value instanceof Document d) || d.isEmpty()) {
      return false;
    }
    for (String operator : d.keySet()) {
      if (!operator.startsWith("$") || operator.equals("$eq")) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether two values are alike as the library counts a document modified: numbers by their value
   * as doubles (a long no double holds by itself), null and missing alike, and documents whatever
   * their fields' order.
   */
  static boolean sameValue(Object a, Object b) {
    if (Missing.isNullOrMissing(a) || Missing.isNullOrMissing(b)) {
      return Missing.isNullOrMissing(a) && Missing.isNullOrMissing(b);
    }
    if (a instanceof Number x && b instanceof Number y) {
      return number(x).equals(number(y));
    }
    if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
      if (x.size() != y.size()) {
        return false;
      }
      for (Map.Entry<?, ?> e : x.entrySet()) {
        if (!y.containsKey(e.getKey()) || !sameValue(e.getValue(), y.get(e.getKey()))) {
          return false;
        }
      }
      return true;
    }
    if (a instanceof Collection<?> x && b instanceof Collection<?> y) {
      if (x.size() != y.size()) {
        return false;
      }
      Iterator<?> i = x.iterator();
      Iterator<?> j = y.iterator();
      while (i.hasNext()) {
        if (!sameValue(i.next(), j.next())) {
          return false;
        }
      }
      return true;
    }
    return !(a instanceof Number || a instanceof Map<?, ?> || a instanceof Collection<?>)
        && a.equals(b);
  }

  /** A number as the library compares it. */
  private static Object number(Number n) {
    if (n instanceof Long l && l != (long) l.doubleValue()) {
      return l;
    }
    double d = n.doubleValue();
    return d == 0.0 ? 0.0 : d; // -0.0 as 0.0
  }

  /** A whole document (no update operator), as a replacement is. */
  private static boolean replacement(Document update) {
    for (String key : update.keySet()) {
      if (key.startsWith("$")) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether no index but the {@code _id} one holds keys (the library keeps no other than unique
   * ones: a secondary index is an empty one), so a replacement with the same {@code _id} changes no
   * index.
   */
  private static <P> boolean onlyIdUnique(List<Index<P>> indexes, String idField) {
    for (Index<P> index : indexes) {
      if (index instanceof EmptyIndex<?>) {
        continue;
      }
      List<IndexKey> keys = index.getKeys();
      if (keys.size() != 1 || !keys.get(0).getKey().equals(idField)) {
        return false;
      }
    }
    return true;
  }
}
