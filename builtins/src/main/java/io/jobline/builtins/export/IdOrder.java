package io.jobline.builtins.export;

import com.mongodb.client.model.Filters;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.bson.types.Binary;
import org.bson.types.MaxKey;
import org.bson.types.MinKey;
import org.bson.types.ObjectId;
import org.bson.types.Symbol;

/**
 * Where a pass over a collection sorted by {@code _id} stands, as a filter. The sort spans types
 * (numbers before strings before ObjectIds before dates …), but {@code $gt} and {@code $lte} match
 * only ids of the type they are given (found by review: a pass stopped at a number went on with the
 * numbers after it only, and the strings and ObjectIds were never read).
 */
final class IdOrder {
  /**
   * The type aliases of {@code $type} in the order MongoDB sorts values, one group per rank (the
   * numeric types are one). An {@code _id} is never an array, a regular expression or undefined,
   * and the symbol, deprecated for years, is not looked for.
   */
  private static final List<List<String>> RANKS =
      List.of(
          List.of("minKey"),
          List.of("null"),
          List.of("int", "long", "double", "decimal"),
          List.of("string"),
          List.of("object"),
          List.of("binData"),
          List.of("objectId"),
          List.of("bool"),
          List.of("date"),
          List.of("timestamp"),
          List.of("maxKey"));

  private static final String ID = "_id";

  private IdOrder() {}

  /** The ids after {@code id} in the sort: the greater ones of its type, and all of later types. */
  static Bson after(Object id) {
    int rank = rank(id);
    return rank + 1 < RANKS.size()
        ? Filters.or(Filters.gt(ID, id), ofRanks(rank + 1, RANKS.size()))
        : Filters.gt(ID, id);
  }

  /** The ids up to {@code id} in the sort, itself included: those {@link #after} leaves. */
  static Bson upTo(Object id) {
    int rank = rank(id);
    return rank > 0 ? Filters.or(ofRanks(0, rank), Filters.lte(ID, id)) : Filters.lte(ID, id);
  }

  private static Bson ofRanks(int from, int to) {
    List<String> types = new ArrayList<>();
    RANKS.subList(from, to).forEach(types::addAll);
    return new Document(ID, new Document("$type", types));
  }

  /** The rank of {@code id}'s type in the sort. */
  private static int rank(Object id) {
    if (id instanceof MinKey) {
      return 0;
    }
    if (id == null) {
      return 1;
    }
    if (id instanceof Number) {
      return 2;
    }
    if (id instanceof String || id instanceof Symbol) {
      return 3;
    }
    if (id instanceof Document) {
      return 4;
    }
    if (id instanceof Binary) {
      return 5;
    }
    if (id instanceof ObjectId) {
      return 6;
    }
    if (id instanceof Boolean) {
      return 7;
    }
    if (id instanceof Date) {
      return 8;
    }
    if (id instanceof BsonTimestamp) {
      return 9;
    }
    if (id instanceof MaxKey) {
      return 10;
    }
    return 0; // (a type not among these: all ids of the ranks above are read again, rewriting rows)
  }
}
