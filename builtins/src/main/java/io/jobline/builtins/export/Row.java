package io.jobline.builtins.export;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One flattened document: its id, its column values (String, Long, Double, Boolean, Instant or
 * null), in column order, and the columns whose values are masked personal ones (an anonymized
 * marker or a hash).
 */
public record Row(String id, Map<String, Object> values, Set<String> masked) {
  public Row {
    masked = Set.copyOf(masked);
  }

  /** A row with no masked column. */
  public Row(String id, Map<String, Object> values) {
    this(id, values, Set.of());
  }

  /** This row with the export's own columns, as {@code pass} writes it. */
  Row stamped(Pass pass) {
    Map<String, Object> out = new LinkedHashMap<>(values);
    out.put(Column.TENANT, pass.tenant());
    out.put(Column.RESOURCE, pass.resource());
    out.put(Column.PASS, pass.id());
    return new Row(id, out, masked);
  }

  /**
   * The value of a column converted to that column's type ({@code null} when absent).
   *
   * <p>A masked value in a column of another type than text is null: the column was made for the
   * values in clear (by an export from before the field was declared personal), and the marker or
   * hash does not fit it; null still takes the value in clear out of the table.
   *
   * @throws DoesNotFit if the value does not fit the column (e.g. 2.5 in an integer column that an
   *     earlier export created), rather than writing a changed value
   */
  public Object value(Column column) {
    if (Column.KEY.equals(column.name())) {
      return id;
    }
    Object v = values.get(column.name());
    if (v == null || column.type() == ColumnType.of(v)) {
      return v;
    }
    if (masked.contains(column.name())) {
      return null;
    }
    if (column.type() == ColumnType.STRING) {
      return text(v);
    }
    if (column.type() == ColumnType.FLOAT && v instanceof Long l) {
      return l.doubleValue();
    }
    if (column.type() == ColumnType.INTEGER
        && v instanceof Double d
        && d == Math.rint(d)
        && !d.isInfinite()) {
      return d.longValue();
    }
    throw new DoesNotFit(
        id,
        "document "
            + id
            + ": column "
            + column.name()
            + " is "
            + column.type().name().toLowerCase(Locale.ROOT)
            + " in the target table but the value is "
            + text(v));
  }

  /**
   * The values of each row in {@code columns}' order; the rows with a value that does not fit its
   * column are all named at once, so a batch is written again once without them, not once per row.
   *
   * @throws Misfits naming every row that does not fit
   */
  public static List<Object[]> values(List<Row> rows, List<Column> columns) {
    List<Object[]> out = new ArrayList<>(rows.size());
    List<DoesNotFit> misfits = new ArrayList<>();
    for (Row row : rows) {
      Object[] values = new Object[columns.size()];
      try {
        for (int i = 0; i < values.length; i++) {
          values[i] = row.value(columns.get(i));
        }
        out.add(values);
      } catch (DoesNotFit misfit) {
        misfits.add(misfit);
      }
    }
    if (!misfits.isEmpty()) {
      throw new Misfits(misfits);
    }
    return out;
  }

  /** Rows of a batch whose values do not fit the types their columns have in the target table. */
  public static final class Misfits extends IllegalArgumentException {
    private final List<DoesNotFit> each;

    Misfits(List<DoesNotFit> each) {
      super(
          each.get(0).getMessage()
              + (each.size() > 1 ? " (and " + (each.size() - 1) + " more)" : ""));
      this.each = List.copyOf(each);
    }

    /** One for each row that does not fit. */
    public List<DoesNotFit> each() {
      return each;
    }
  }

  /** A document's value does not fit the type its column has in the target table. */
  public static final class DoesNotFit extends IllegalArgumentException {
    private final String id;

    DoesNotFit(String id, String message) {
      super(message);
      this.id = id;
    }

    /** The id of the document (its row's key). */
    public String id() {
      return id;
    }
  }

  /** The text form of a shaped value: ISO-8601 for instants. */
  static String text(Object v) {
    return v instanceof Instant i ? i.toString() : String.valueOf(v);
  }
}
