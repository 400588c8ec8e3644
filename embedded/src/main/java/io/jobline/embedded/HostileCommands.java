package io.jobline.embedded;

import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.ErrorCode;
import de.bwaldvogel.mongo.exception.MongoServerError;
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
 *   <li>{@code renameCollection}, and aggregations that write ({@code $out}, {@code $merge}, at any
 *       depth of the pipeline): Jobline uses none of them, and the library mishandles them. A
 *       renamed collection kept its index under the old name, which a new collection of that name
 *       then cleared; a pipeline could store a document holding a value BSON cannot write (a field
 *       it did not find) or a name with a NUL, which stopped the data folder's store for good; and
 *       a write nested in {@code $facet} was answered before it was in the file.
 * </ul>
 */
final class HostileCommands {
  private static final Set<String> WRITES_DOCUMENTS = Set.of("update", "findandmodify");

  /** The names the data folder's own maps start with. */
  private static final Set<String> RESERVED_DATABASES = Set.of("databases", "meta");

  /** Aggregation stages that write. */
  private static final Set<String> WRITING_STAGES = Set.of("$out", "$merge");

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
    if (name.equals("renamecollection")) {
      throw new MongoServerError(
          ErrorCode.IllegalOperation,
          "the embedded store does not rename collections; copy the documents instead");
    }
    if (name.equals("aggregate") && writes(query.get("pipeline"))) {
      throw new MongoServerError(
          ErrorCode.IllegalOperation,
          "the embedded store does not take aggregations that write ($out, $merge); read the"
              + " results and write them instead");
    }
    if (WRITES_DOCUMENTS.contains(name)) {
      refuseNulInNames(query);
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
   * Whether a pipeline holds a stage that writes, at any depth ({@code $facet}, {@code $lookup}).
   */
  private static boolean writes(Object pipeline) {
    if (pipeline instanceof Document d) {
      for (Map.Entry<String, Object> e : d.entrySet()) {
        if (WRITING_STAGES.contains(e.getKey()) || writes(e.getValue())) {
          return true;
        }
      }
    } else if (pipeline instanceof Iterable<?> list) {
      for (Object o : list) {
        if (writes(o)) {
          return true;
        }
      }
    }
    return false;
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
