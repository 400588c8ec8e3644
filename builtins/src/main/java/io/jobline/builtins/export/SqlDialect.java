package io.jobline.builtins.export;

import java.sql.Connection;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/** The SQL a relational target speaks: quoting, types, table creation and the single-row upsert. */
interface SqlDialect {
  /** A quoted identifier. */
  String quote(String identifier);

  /**
   * Whether the database behind {@code connection} takes column names without regard to case,
   * quoted or not (SQL Server's default collations do); PostgreSQL tells quoted names apart.
   */
  default boolean namesIgnoreCase(Connection connection) {
    return false;
  }

  /** The column type of {@code type}; the key column gets {@link #keyType()}. */
  String sqlType(ColumnType type);

  String keyType();

  /** Maps a type name the database reports back to ours (e.g. {@code int8} to INTEGER). */
  ColumnType fromSql(String typeName);

  /** Creates {@code table} with the key and these columns unless it exists. */
  String createTable(String table, List<Column> columns);

  /** Adds a column unless it exists. */
  String addColumn(String table, Column column);

  /** Inserts one row (parameters in column order), or updates it when the key exists. */
  default String upsert(String table, List<Column> columns) {
    return upsert(table, columns, List.of());
  }

  /**
   * The upsert of {@code columns} that also sets {@code cleared} (columns the rows lack) to null on
   * a row that exists: a field removed from the documents, or left out since, keeps no old value.
   */
  String upsert(String table, List<Column> columns, List<String> cleared);

  /** The JDBC URL of a connection string given in the database's own form. */
  String jdbcUrl(String connectionString);

  /** The schema of a possibly qualified table name, or null. */
  default String schemaOf(String table) {
    int dot = table.indexOf('.');
    return dot < 0 ? null : table.substring(0, dot);
  }

  /** The unqualified name of a table. */
  default String nameOf(String table) {
    return table.substring(table.indexOf('.') + 1);
  }

  /** A possibly schema-qualified table name, each part quoted. */
  default String qualified(String table) {
    return Arrays.stream(table.split("\\.")).map(this::quote).collect(Collectors.joining("."));
  }

  /** Column definitions: the key first as the primary key, then the others. */
  default String columnDefinitions(List<Column> columns) {
    StringBuilder sql =
        new StringBuilder(quote(Column.KEY) + " " + keyType() + " NOT NULL PRIMARY KEY");
    for (Column c : columns) {
      if (!c.name().equals(Column.KEY)) {
        sql.append(", ").append(quote(c.name())).append(' ').append(sqlType(c.type()));
      }
    }
    return sql.toString();
  }
}
