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
  /** The key column: the source document's id as a string. */
  public static final String KEY = "_id";

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
