package io.jobline.builtins.export;

import java.time.Instant;
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
