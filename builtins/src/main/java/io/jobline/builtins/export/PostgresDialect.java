package io.jobline.builtins.export;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** PostgreSQL: {@code INSERT … ON CONFLICT (_id) DO UPDATE}. */
final class PostgresDialect implements SqlDialect {
  @Override
  public String quote(String identifier) {
    return '"' + identifier.replace("\"", "\"\"") + '"';
  }

  @Override
  public String sqlType(ColumnType type) {
    return switch (type) {
      case STRING -> "TEXT";
      case INTEGER -> "BIGINT";
      case FLOAT -> "DOUBLE PRECISION";
      case BOOLEAN -> "BOOLEAN";
      case TIMESTAMP -> "TIMESTAMPTZ";
    };
  }

  @Override
  public String keyType() {
    return "TEXT";
  }

  @Override
  public ColumnType fromSql(String typeName) {
    return switch (typeName.toLowerCase(Locale.ROOT)) {
      case "int8", "int4", "int2", "bigint", "integer", "smallint" -> ColumnType.INTEGER;
      case "float8", "float4", "double precision", "real", "numeric" -> ColumnType.FLOAT;
      case "bool", "boolean" -> ColumnType.BOOLEAN;
      case "timestamptz", "timestamp" -> ColumnType.TIMESTAMP;
      default -> ColumnType.STRING;
    };
  }

  @Override
  public String createTable(String table, List<Column> columns) {
    return "CREATE TABLE IF NOT EXISTS "
        + qualified(table)
        + " ("
        + columnDefinitions(columns)
        + ")";
  }

  @Override
  public String addColumn(String table, Column column) {
    return "ALTER TABLE "
        + qualified(table)
        + " ADD COLUMN IF NOT EXISTS "
        + quote(column.name())
        + " "
        + sqlType(column.type());
  }

  @Override
  public String upsert(String table, List<Column> columns, List<String> cleared) {
    String names = columns.stream().map(c -> quote(c.name())).collect(Collectors.joining(", "));
    String params = columns.stream().map(c -> "?").collect(Collectors.joining(", "));
    List<String> sets = new ArrayList<>();
    columns.stream()
        .filter(c -> !c.name().equals(Column.KEY))
        .forEach(c -> sets.add(quote(c.name()) + " = EXCLUDED." + quote(c.name())));
    cleared.forEach(c -> sets.add(quote(c) + " = NULL"));
    String onConflict = sets.isEmpty() ? "DO NOTHING" : "DO UPDATE SET " + String.join(", ", sets);
    return "INSERT INTO "
        + qualified(table)
        + " ("
        + names
        + ") VALUES ("
        + params
        + ") ON CONFLICT ("
        + quote(Column.KEY)
        + ") "
        + onConflict;
  }

  /** Accepts a JDBC URL or a {@code postgresql://user:password@host:port/db} URI. */
  @Override
  public String jdbcUrl(String connectionString) {
    if (connectionString.startsWith("jdbc:")) {
      return connectionString;
    }
    URI uri = URI.create(connectionString);
    StringBuilder url = new StringBuilder("jdbc:postgresql://").append(uri.getHost());
    if (uri.getPort() > 0) {
      url.append(':').append(uri.getPort());
    }
    url.append(uri.getRawPath() == null ? "/" : uri.getRawPath());
    String query = uri.getRawQuery() == null ? "" : uri.getRawQuery();
    if (uri.getRawUserInfo() != null) {
      String[] user = uri.getRawUserInfo().split(":", 2);
      query =
          "user="
              + user[0]
              + (user.length > 1 ? "&password=" + user[1] : "")
              + (query.isEmpty() ? "" : "&" + query);
    }
    return query.isEmpty() ? url.toString() : url + "?" + query;
  }
}
