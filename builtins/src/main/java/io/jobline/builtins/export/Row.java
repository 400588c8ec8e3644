package io.jobline.builtins.export;

import java.time.Instant;
import java.util.Map;

/**
 * One flattened document: its id and its column values (String, Long, Double, Boolean, Instant or
 * null), in column order.
 */
public record Row(String id, Map<String, Object> values) {

  /** The value of a column converted to that column's type ({@code null} when absent). */
  public Object value(Column column) {
    if (Column.KEY.equals(column.name())) {
      return id;
    }
    Object v = values.get(column.name());
    if (v == null) {
      return null;
    }
    return switch (column.type()) {
      case STRING -> text(v);
      case FLOAT -> v instanceof Long l ? Double.valueOf(l) : v;
      default -> v;
    };
  }

  /** The text form of a shaped value: ISO-8601 for instants. */
  static String text(Object v) {
    return v instanceof Instant i ? i.toString() : String.valueOf(v);
  }
}
