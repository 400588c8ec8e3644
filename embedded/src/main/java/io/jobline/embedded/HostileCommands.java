package io.jobline.embedded;

import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.bson.BsonRegularExpression;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.ErrorCode;
import de.bwaldvogel.mongo.exception.MongoServerError;
import de.bwaldvogel.mongo.wire.message.MongoQuery;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Refuses the commands that would break the store for everyone, whoever sends them (any process on
 * this machine may connect to its port): found by review.
 *
 * <ul>
 *   <li>A database name that is empty or holds {@code .}, {@code $} or NUL: the data folder's store
 *       names its maps after the database, and the library dropped a database's maps by prefix.
 *   <li>A {@code $rename} whose target name holds a NUL. Field names are read up to their NUL, so
 *       none reaches the store with one, but a rename's target is a value: the library wrote it raw
 *       into BSON as a name, and the document could no longer be read, nor any scan over it.
 *   <li>A database named {@code databases} or {@code meta}: the data folder names its maps {@code
 *       databases.<database>.<collection>} and {@code meta.<database>.<collection>}, and dropping
 *       such a database dropped every other database's maps with it.
 *   <li>Aggregations that write ({@code $out}, {@code $merge}, at any depth of the pipeline):
 *       Jobline uses none, and the library mishandles them: a pipeline could store a document
 *       holding a value BSON cannot write (a field it did not find) or a name with a NUL, which
 *       stopped the data folder's store for good; and a write nested in {@code $facet} was answered
 *       before it was in the file.
 *   <li>Aggregations that look up ({@code $lookup}, {@code $graphLookup}, at any depth): the
 *       library matches each value a document holds as a filter of the other collection, so a
 *       stored regular expression was matched as one, with no check and no budget, on the thread
 *       that answers a share of the store's connections (found by review).
 *   <li>A legacy {@code OP_QUERY} of a collection ({@link #legacyQuery}).
 *   <li>A regular expression with a repeated group that holds a repeat ({@code ^(a+)+$}), or longer
 *       than {@value #MAX_REGEX_CHARS} characters: Java's matcher backtracks through it for ages on
 *       a text that almost matches, holding the collection's lock, and every request on it waited
 *       (one {@code find} stopped the store for every role). The expressions a filter matches with
 *       that pass are matched within a budget of reads ({@link BoundedRegex}): {@code .*x} has no
 *       such group and read a long value for seconds.
 * </ul>
 */
final class HostileCommands {
  private static final Set<String> WRITES_DOCUMENTS = Set.of("update", "findandmodify");

  /** The names the data folder's own maps start with. */
  private static final Set<String> RESERVED_DATABASES = Set.of("databases", "meta");

  /** The longest regular expression the store takes. */
  static final int MAX_REGEX_CHARS = 1_000;

  /** Aggregation stages that write. */
  private static final Set<String> WRITING_STAGES = Set.of("$out", "$merge");

  /** Aggregation stages that match the values documents hold as filters. */
  private static final Set<String> LOOKUP_STAGES = Set.of("$lookup", "$graphLookup");

  private HostileCommands() {}

  /**
   * Refuses a command that would break the store.
   *
   * @throws MongoServerError naming what is wrong
   */
  static void check(String databaseName, String command, Document query) {
    if (databaseName == null
        || databaseName.isEmpty()
        || databaseName.indexOf('.') >= 0
        || databaseName.indexOf('$') >= 0
        || databaseName.indexOf('\0') >= 0) {
      throw new MongoServerError(
          ErrorCode.InvalidNamespace,
          "invalid database name '" + databaseName + "': it must not be empty nor hold . $ or NUL");
    }
    if (RESERVED_DATABASES.contains(databaseName)) {
      throw new MongoServerError(
          ErrorCode.InvalidNamespace,
          "invalid database name '" + databaseName + "': the store keeps its own data under it");
    }
    String name = command.toLowerCase(Locale.ROOT);
    if (name.equals("aggregate") && holds(query.get("pipeline"), WRITING_STAGES)) {
      throw new MongoServerError(
          ErrorCode.IllegalOperation,
          "the embedded store does not take aggregations that write ($out, $merge); read the"
              + " results and write them instead");
    }
    if (name.equals("aggregate") && holds(query.get("pipeline"), LOOKUP_STAGES)) {
      throw new MongoServerError(
          ErrorCode.IllegalOperation,
          "the embedded store does not take aggregations that look up ($lookup, $graphLookup);"
              + " read each collection and join the results instead");
    }
    boolean matchesARegex = refuseRiskyRegexes(name, query);
    if (WRITES_DOCUMENTS.contains(name)) {
      refuseNulInNames(query);
    }
    if (matchesARegex) { // (most commands match with none: nothing more to walk)
      boundRegexes(name, query);
    }
  }

  /**
   * Puts {@link BoundedRegex}es, one budget for the command, in every place the library matches a
   * regular expression: filters, projections, array filters, {@code $pull} conditions and an
   * aggregation's {@code $match} stages at any depth. An upsert's filter may hold none: the library
   * would store it in the document it inserts.
   */
  private static void boundRegexes(String command, Document query) {
    BoundedRegex.Budget budget = new BoundedRegex.Budget(BoundedRegex.STEPS);
    switch (command) {
      case "find" -> {
        BoundedRegex.bindAll(query.get("filter"), budget);
        BoundedRegex.bindAll(query.get("projection"), budget);
      }
      case "count", "distinct" -> BoundedRegex.bindAll(query.get("query"), budget);
      case "findandmodify" -> {
        upsertFilter(query.get("query"), query.get("upsert"), budget);
        BoundedRegex.bindAll(query.get("fields"), budget);
        BoundedRegex.bindAll(query.get("arrayFilters"), budget);
        pulledBound(query.get("update"), budget);
      }
      case "update" ->
          statements(query.get("updates"))
              .forEach(
                  d -> {
                    upsertFilter(d.get("q"), d.get("upsert"), budget);
                    BoundedRegex.bindAll(d.get("arrayFilters"), budget);
                    pulledBound(d.get("u"), budget);
                  });
      case "delete" ->
          statements(query.get("deletes")).forEach(d -> BoundedRegex.bindAll(d.get("q"), budget));
      case "aggregate" -> BoundedRegex.bindPipeline(query.get("pipeline"), budget, 0);
      default -> {}
    }
  }

  /** Binds a filter, or refuses an upsert's that holds a regular expression. */
  private static void upsertFilter(Object filter, Object upsert, BoundedRegex.Budget budget) {
    if (!Boolean.TRUE.equals(upsert)) {
      BoundedRegex.bindAll(filter, budget);
    } else if (refuseRiskyRegexes(filter, false, 0)) { // (the walk that looked at them)
      throw BoundedRegex.refused(
          "an upsert's filter holds a regular expression (the document it would insert would hold"
              + " it too); find the document first, or upsert by other fields");
    }
  }

  /** Binds the conditions of an update's {@code $pull}, which the library matches as filters. */
  private static void pulledBound(Object update, BoundedRegex.Budget budget) {
    if (update instanceof Document u) {
      BoundedRegex.bindAll(u.get("$pull"), budget);
    }
  }

  /**
   * Refuses a drop of {@code databaseName} while {@code others} holds a database whose name starts
   * with it: the library's data folder drops every map whose name starts with the database's.
   */
  static void checkDrop(String databaseName, Iterable<String> mapNames, Predicate<String> ours) {
    for (String map : mapNames) {
      if (!ours.test(map)
          && (map.startsWith("databases." + databaseName)
              || map.startsWith("meta." + databaseName))) {
        throw new MongoServerError(
            ErrorCode.IllegalOperation,
            "dropping database '"
                + databaseName
                + "' would also drop another database whose name starts with it ("
                + map
                + "); drop its collections one by one instead");
      }
    }
  }

  /**
   * Refuses the regular expressions a command matches with ({@code $regex} or a BSON regular
   * expression in a filter; in a pipeline also the {@code regex} of {@code $regexMatch} and its
   * kind) that could backtrack for ages. Only where they are matched: a document or update written
   * may hold any value under any key (found by review of the first form, which refused a run whose
   * params held a key named {@code regex}). Returns whether the command matches with any regular
   * expression.
   */
  private static boolean refuseRiskyRegexes(String command, Document query) {
    return switch (command) {
      case "find" ->
          refuseRiskyRegexes(query.get("filter"), false, 0)
              | refuseRiskyRegexes(query.get("projection"), false, 0); // ($elemMatch)
      case "count", "distinct" -> refuseRiskyRegexes(query.get("query"), false, 0);
      case "findandmodify" ->
          refuseRiskyRegexes(query.get("query"), false, 0)
              | refuseRiskyRegexes(query.get("fields"), false, 0)
              | refuseRiskyRegexes(query.get("arrayFilters"), false, 0)
              | pulled(query.get("update"));
      case "aggregate" -> refuseRiskyRegexes(query.get("pipeline"), true, 0);
      case "update" -> {
        boolean any = false;
        for (Document d : statements(query.get("updates"))) {
          any |=
              refuseRiskyRegexes(d.get("q"), false, 0)
                  | refuseRiskyRegexes(d.get("arrayFilters"), false, 0)
                  | pulled(d.get("u"));
        }
        yield any;
      }
      case "delete" -> {
        boolean any = false;
        for (Document d : statements(query.get("deletes"))) {
          any |= refuseRiskyRegexes(d.get("q"), false, 0);
        }
        yield any;
      }
      default -> false;
    };
  }

  /** The statements (documents) of an update's or delete's list. */
  private static List<Document> statements(Object list) {
    List<Document> statements = new ArrayList<>();
    if (list instanceof Iterable<?> items) {
      items.forEach(
          o -> {
            if (o instanceof Document d) {
              statements.add(d);
            }
          });
    }
    return statements;
  }

  /**
   * The conditions of an update's {@code $pull}, which the library matches as filters (found by
   * review of the narrowed check); the values an update writes are not looked at.
   */
  private static boolean pulled(Object update) {
    return update instanceof Document u && refuseRiskyRegexes(u.get("$pull"), false, 0);
  }

  /** Refuses the risky expressions of {@code value}; whether it matches with any expression. */
  private static boolean refuseRiskyRegexes(Object value, boolean pipeline, int depth) {
    if (depth > 200) {
      return false; // (the wire check refuses deeper nesting before this)
    }
    boolean any = false;
    if (value instanceof BsonRegularExpression r) {
      refuseRisky(r.getPattern());
      any = true;
    } else if (value instanceof Document d) {
      for (Map.Entry<String, Object> e : d.entrySet()) {
        boolean matched =
            e.getKey().equals("$regex")
                || (pipeline && e.getKey().equals("regex") && d.containsKey("input"));
        if (matched && e.getValue() instanceof String pattern) {
          refuseRisky(pattern);
          any = true;
        } else {
          any |= refuseRiskyRegexes(e.getValue(), pipeline, depth + 1);
        }
      }
    } else if (value instanceof Iterable<?> list) {
      for (Object o : list) {
        any |= refuseRiskyRegexes(o, pipeline, depth + 1);
      }
    }
    return any;
  }

  private static void refuseRisky(String pattern) {
    if (pattern.length() > MAX_REGEX_CHARS || nestedRepeat(pattern)) {
      throw new MongoServerError(
          ErrorCode.BadValue,
          "regular expression '"
              + (pattern.length() > 80 ? pattern.substring(0, 80) + "…" : pattern)
              + "' is refused: "
              + (pattern.length() > MAX_REGEX_CHARS
                  ? "longer than " + MAX_REGEX_CHARS + " characters"
                  : "a repeated group holds a repeat of its own, which can take the matcher ages"));
    }
  }

  /**
   * Whether a regular expression repeats a group that holds a repeat ({@code (a+)+}, {@code
   * (x*y)*}, {@code (a+){9}}): the shape that makes a backtracking matcher take exponential time.
   */
  static boolean nestedRepeat(String pattern) {
    Deque<Boolean> groups = new ArrayDeque<>(); // per open group: whether it holds a repeat
    groups.push(false);
    boolean inClass = false;
    for (int i = 0; i < pattern.length(); i++) {
      char c = pattern.charAt(i);
      if (c == '\\') {
        i++; // (an escaped character, whatever it is)
      } else if (inClass) {
        inClass = c != ']';
      } else if (c == '[') {
        inClass = true;
      } else if (c == '(') {
        groups.push(false);
      } else if (c == ')') {
        boolean repeatsInside = groups.size() > 1 && groups.pop();
        boolean repeated = i + 1 < pattern.length() && "*+{".indexOf(pattern.charAt(i + 1)) >= 0;
        if (repeatsInside && repeated) {
          return true;
        }
        if (repeatsInside || repeated) {
          groups.pop();
          groups.push(true);
        }
      } else if (c == '*'
          || c == '+'
          || c == '{'
          || (c == '?' && i > 0 && pattern.charAt(i - 1) != '(')) {
        groups.pop(); // (a '?' right after '(' opens a group of a kind: not a repeat)
        groups.push(true);
      }
    }
    return false;
  }

  /** Whether a pipeline holds one of {@code stages}, at any depth ({@code $facet}, …). */
  private static boolean holds(Object pipeline, Set<String> stages) {
    if (pipeline instanceof Document d) {
      for (Map.Entry<String, Object> e : d.entrySet()) {
        if (stages.contains(e.getKey()) || holds(e.getValue(), stages)) {
          return true;
        }
      }
    } else if (pipeline instanceof Iterable<?> list) {
      for (Object o : list) {
        if (holds(o, stages)) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * The answer to a legacy {@code OP_QUERY} of a collection (not a command's {@code $cmd}): an
   * error, as MongoDB has answered since 5.1. The library answered it outside every check here (a
   * filter's regular expression matched unbounded, holding the collection's lock: found by review);
   * the drivers Jobline uses send commands only.
   */
  static QueryResult legacyQuery(MongoQuery query) {
    Document error =
        new Document(
                "$err",
                "the store answers commands only, not a legacy query of "
                    + query.getFullCollectionName())
            .append("errmsg", "the store answers commands only")
            .append("code", ErrorCode.CommandNotFound.getValue())
            .append("ok", 0);
    return new QueryResult(List.of(error));
  }

  /** The update documents of an {@code update} or {@code findAndModify} command. */
  private static void refuseNulInNames(Document command) {
    Object updates = command.get("updates");
    if (updates instanceof Iterable<?> list) {
      for (Object u : list) {
        if (u instanceof Document d) {
          refuseNulRenames(d.get("u"));
        }
      }
    }
    refuseNulRenames(command.get("update"));
  }

  private static void refuseNulRenames(Object update) {
    if (update instanceof Document d && d.get("$rename") instanceof Document renames) {
      for (Object to : renames.values()) {
        if (to instanceof String s && s.indexOf('\0') >= 0) {
          throw nul(s);
        }
      }
    }
  }

  private static MongoServerError nul(String name) {
    return new MongoServerError(
        ErrorCode.BadValue,
        "field name '" + name.replace("\0", "\\0") + "' holds a NUL character, which BSON cannot");
  }
}
