package io.jobline.builtins.export;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A column of an export table: its name and type. */
public record Column(String name, ColumnType type) {
  /** The key column: the source document's id as a string ({@link RowKey}). */
  public static final String KEY = "_id";

  /**
   * The tenant whose document the row is: tenants fanned out with one set of params share a table,
   * and a pass deletes only rows of its own tenant ({@link Pass}).
   */
  public static final String TENANT = "_jobline_tenant";

  /**
   * The resource (collection) the row's document is in (one export gives each resource a table of
   * its own: rows are keyed by {@code _id} alone).
   */
  public static final String RESOURCE = "_jobline_resource";

  /**
   * The id of the pass that last wrote the row: a whole pass deletes the rows of its tenant and
   * resource that it did not write, those of documents deleted at the source since.
   */
  public static final String PASS = "_jobline_pass";

  /**
   * Whether {@code name} is, in any case, one of the columns the export writes of its own ({@link
   * #TENANT}, {@link #RESOURCE}, {@link #PASS}): a document's field of that name is left out.
   */
  static boolean isExports(String name) {
    return name.equalsIgnoreCase(TENANT)
        || name.equalsIgnoreCase(RESOURCE)
        || name.equalsIgnoreCase(PASS);
  }

  /**
   * The columns of a batch of rows: the key first, then every column in order of first appearance,
   * typed by its non-null values (integers mixed with floats are floats; any other mix, or only
   * nulls, is a string).
   */
  static List<Column> infer(List<Row> rows) {
    Map<String, Set<ColumnType>> seen = new LinkedHashMap<>();
    seen.put(KEY, EnumSet.of(ColumnType.STRING));
    for (Row row : rows) {
      row.values()
          .forEach(
              (name, value) -> {
                Set<ColumnType> types =
                    seen.computeIfAbsent(name, n -> EnumSet.noneOf(ColumnType.class));
                ColumnType t = ColumnType.of(value);
                if (t != null) {
                  types.add(t);
                }
              });
    }
    List<Column> out = new ArrayList<>(seen.size());
    seen.forEach((name, types) -> out.add(new Column(name, typeOf(types))));
    return out;
  }

  private static ColumnType typeOf(Set<ColumnType> types) {
    if (types.size() == 1) {
      return types.iterator().next();
    }
    if (types.equals(EnumSet.of(ColumnType.INTEGER, ColumnType.FLOAT))) {
      return ColumnType.FLOAT;
    }
    return ColumnType.STRING;
  }

  /** The names among {@code clearable} that {@code columns} lack, in order. */
  static List<String> lacking(Set<String> clearable, List<Column> columns) {
    Set<String> given = new HashSet<>();
    columns.forEach(c -> given.add(c.name()));
    return clearable.stream().filter(c -> !given.contains(c)).sorted().toList();
  }
}
