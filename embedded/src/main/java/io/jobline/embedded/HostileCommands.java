package io.jobline.embedded;

import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.ErrorCode;
import de.bwaldvogel.mongo.exception.MongoServerError;
import java.util.ArrayDeque;
import java.util.Deque;
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
 *   <li>A field name with a NUL in a document written ({@code insert}, {@code update}, {@code
 *       findAndModify}), or as a {@code $rename} target: the library writes it raw into BSON, where
 *       NUL ends a name, and the document could no longer be read, nor any scan over it.
 * </ul>
 */
final class HostileCommands {
  private static final Set<String> WRITES_DOCUMENTS = Set.of("insert", "update", "findandmodify");

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
    if (WRITES_DOCUMENTS.contains(command.toLowerCase(Locale.ROOT))) {
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

  private static void refuseNulInNames(Document command) {
    Deque<Object> todo = new ArrayDeque<>();
    todo.push(command);
    while (!todo.isEmpty()) {
      Object next = todo.pop();
      if (next instanceof Document d) {
        for (Map.Entry<String, Object> e : d.entrySet()) {
          if (e.getKey().indexOf('\0') >= 0) {
            throw nul(e.getKey());
          }
          if (e.getKey().equals("$rename") && e.getValue() instanceof Document renames) {
            for (Object to : renames.values()) {
              if (to instanceof String s && s.indexOf('\0') >= 0) {
                throw nul(s);
              }
            }
          }
          pushContainer(todo, e.getValue());
        }
      } else if (next instanceof Iterable<?> list) {
        list.forEach(v -> pushContainer(todo, v));
      }
    }
  }

  private static void pushContainer(Deque<Object> todo, Object value) {
    if (value instanceof Document || value instanceof Iterable<?>) {
      todo.push(value);
    }
  }

  private static MongoServerError nul(String name) {
    return new MongoServerError(
        ErrorCode.BadValue,
        "field name '" + name.replace("\0", "\\0") + "' holds a NUL character, which BSON cannot");
  }
}
