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
import java.util.function.BiPredicate;
import java.util.function.Function;

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
 *
 * <p>Everything else is left to the library: an update with operators, a multi-update, an {@code
 * _id} that is not a string or an ObjectId, a query that matches nothing (an upsert's insert, or a
 * guarded write refused as a duplicate id), a replacement that names another {@code _id}, and a
 * collection with a unique index on more than {@code _id}, which a replacement may break.
 */
final class ReplaceById {
  private ReplaceById() {}

  /**
   * Replaces the one document the query finds by its {@code _id}, and returns the update's result
   * ({@code n}, {@code nModified}) as the library gives it; or null when the library must do it.
   *
   * @param read the stored document at a position; the caller does not change it
   * @param matches whether a document matches the whole query, by the library's matcher
   * @param store puts the replacement at the position in place of the document read
   */
  static <P> Document replace(
      List<Index<P>> indexes,
      Document query,
      Document update,
      boolean isMulti,
      String idField,
      Function<P, Document> read,
      BiPredicate<Document, Document> matches,
      Store<P> store,
      Oplog oplog,
      String collection) {
    if (isMulti
        || !"_id".equals(idField)
        || !replacement(update)
        || !onlyIdUnique(indexes, idField)) {
      return null;
    }
    Iterable<P> found = ByIdFirst.byId(indexes, ByIdFirst.idOf(query));
    if (found == null) {
      return null;
    }
    Iterator<P> positions = found.iterator();
    if (!positions.hasNext()) {
      return null;
    }
    P position = positions.next();
    Document stored = read.apply(position);
    if (stored == null || positions.hasNext() || !matches.test(stored, query)) {
      return null;
    }
    Object id = stored.get(idField);
    Object named = update.get(idField);
    if (named != null && !Objects.equals(named, id)) {
      return null;
    }
    Document replaced = new Document();
    replaced.put(idField, id);
    replaced.putAll(update);
    Utils.validateFieldNames(replaced);
    if (!replaced.equals(stored)) { // the library's equality: the fields' order counts
      store.put(position, stored, replaced);
    }
    boolean modified = !sameValue(stored, replaced);
    oplog.handleUpdate(collection, query, update, modified ? List.of(id) : List.of());
    Document result = new Document();
    result.put("n", 1);
    result.put("nModified", modified ? 1 : 0);
    return result;
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

  /** Puts a replacement in place of the stored document at a position. */
  interface Store<P> {
    void put(P position, Document old, Document replacement);
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
