package io.jobline.builtins.export;

import java.time.Instant;

/** The column types an export writes; each target maps them to its own SQL or BigQuery types. */
public enum ColumnType {
  STRING,
  INTEGER,
  FLOAT,
  BOOLEAN,
  TIMESTAMP;

  /** The type of a shaped value ({@code null} for a null value). */
  static ColumnType of(Object value) {
    if (value == null) {
      return null;
    }
    if (value instanceof Long) {
      return INTEGER;
    }
    if (value instanceof Double) {
      return FLOAT;
    }
    if (value instanceof Boolean) {
      return BOOLEAN;
    }
    if (value instanceof Instant) {
      return TIMESTAMP;
    }
    return STRING;
  }
}
