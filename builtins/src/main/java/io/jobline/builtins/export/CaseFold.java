package io.jobline.builtins.export;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Rows as a target that takes column names without regard to case (SQL Server, BigQuery) can store
 * them: columns whose names differ only in case ({@code Email} from some documents, {@code email}
 * from others) become one, spelled as the table or the first row has it. Without this a batch
 * naming both, or naming one while the table has the other, was refused (a column named twice), and
 * so was every later batch holding them.
 */
final class CaseFold {
  /**
   * The rows folded, and the columns of the rows left out: a row with values under two spellings of
   * one column keeps the first one's; a field whose name is the key's in another case is left out.
   */
  record Folded(List<Row> rows, Set<String> leftOut) {}

  private CaseFold() {}

  /**
   * @param tableColumns the columns the table has already, in the spelling it has them (empty when
   *     it does not exist yet)
   */
  static Folded fold(Collection<String> tableColumns, List<Row> rows) {
    Map<String, String> spelling = new HashMap<>();
    spelling.put(fold(Column.KEY), Column.KEY);
    tableColumns.forEach(c -> spelling.putIfAbsent(fold(c), c));
    boolean renames = false;
    for (Row row : rows) {
      for (String name : row.values().keySet()) {
        renames |= !spelling.computeIfAbsent(fold(name), k -> name).equals(name);
      }
    }
    if (!renames) {
      return new Folded(rows, Set.of());
    }
    Set<String> leftOut = new LinkedHashSet<>();
    List<Row> out = new ArrayList<>(rows.size());
    for (Row row : rows) {
      Map<String, Object> values = new LinkedHashMap<>();
      Set<String> masked = new HashSet<>();
      row.values()
          .forEach(
              (name, v) -> {
                String column = spelling.get(fold(name));
                if (column.equals(Column.KEY)) {
                  leftOut.add(name); // (the key is the document's id, never a field's value)
                } else if (values.get(column) == null) {
                  values.put(column, v);
                  if (row.masked().contains(name)) {
                    masked.add(column);
                  } else {
                    masked.remove(column);
                  }
                } else if (v != null) {
                  leftOut.add(name);
                }
              });
      out.add(new Row(row.id(), values, masked));
    }
    return new Folded(out, leftOut);
  }

  private static String fold(String name) {
    return name.toLowerCase(Locale.ROOT);
  }
}
