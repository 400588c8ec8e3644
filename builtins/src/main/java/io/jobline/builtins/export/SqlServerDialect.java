package io.jobline.builtins.export;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Azure SQL / SQL Server: {@code MERGE … WITH (HOLDLOCK)} keyed by {@code _id}. */
final class SqlServerDialect implements SqlDialect {
  private static final Logger LOG = LoggerFactory.getLogger(SqlServerDialect.class);
  private static final Map<String, String> ADO_TO_JDBC =
      Map.of(
          "database",
          "databaseName",
          "initial catalog",
          "databaseName",
          "user id",
          "user",
          "uid",
          "user",
          "password",
          "password",
          "pwd",
          "password",
          "encrypt",
          "encrypt",
          "trustservercertificate",
          "trustServerCertificate",
          "connection timeout",
          "loginTimeout",
          "hostnameincertificate",
          "hostNameInCertificate");

  /**
   * As the database's collation says: bit 1 of its comparison style is "ignore case". (Found by
   * review: a case-sensitive database may hold both {@code Plan} and {@code plan}; folded, one was
   * never written and was cleared on every upsert.) If the collation cannot be read, the default
   * collations' answer: names ignore case.
   */
  @Override
  public boolean namesIgnoreCase(Connection connection) {
    try (Statement st = connection.createStatement();
        ResultSet rs = st.executeQuery(COMPARISON_STYLE)) {
      return !rs.next() || (rs.getInt(1) & 1) == 1;
    } catch (SQLException e) {
      LOG.warn(
          "Could not read the database's collation; its column names are taken to ignore case: {}",
          e.toString());
      return true;
    }
  }

  static final String COMPARISON_STYLE =
      "SELECT COLLATIONPROPERTY(CONVERT(nvarchar(128), DATABASEPROPERTYEX(DB_NAME(), 'Collation')),"
          + " 'ComparisonStyle')";

  @Override
  public String quote(String identifier) {
    return '[' + identifier.replace("]", "]]") + ']';
  }

  @Override
  public String sqlType(ColumnType type) {
    return switch (type) {
      case STRING -> "NVARCHAR(MAX)";
      case INTEGER -> "BIGINT";
      case FLOAT -> "FLOAT";
      case BOOLEAN -> "BIT";
      case TIMESTAMP -> "DATETIMEOFFSET";
    };
  }

  @Override
  public String keyType() {
    return "NVARCHAR(450)";
  }

  @Override
  public ColumnType fromSql(String typeName) {
    return switch (typeName.toLowerCase(Locale.ROOT)) {
      case "bigint", "int", "smallint", "tinyint" -> ColumnType.INTEGER;
      case "float", "real", "decimal", "numeric" -> ColumnType.FLOAT;
      case "bit" -> ColumnType.BOOLEAN;
      case "datetimeoffset", "datetime2", "datetime" -> ColumnType.TIMESTAMP;
      default -> ColumnType.STRING;
    };
  }

  private String objectName(String table) {
    return "N'" + (table.contains(".") ? table : "dbo." + table).replace("'", "''") + "'";
  }

  @Override
  public String createTable(String table, List<Column> columns) {
    return "IF OBJECT_ID("
        + objectName(table)
        + ", N'U') IS NULL CREATE TABLE "
        + qualified(table)
        + " ("
        + columnDefinitions(columns)
        + ")";
  }

  @Override
  public String addColumn(String table, Column column) {
    return "IF COL_LENGTH("
        + objectName(table)
        + ", N'"
        + column.name().replace("'", "''")
        + "') IS NULL ALTER TABLE "
        + qualified(table)
        + " ADD "
        + quote(column.name())
        + " "
        + sqlType(column.type());
  }

  @Override
  public String upsert(String table, List<Column> columns, List<String> cleared) {
    String names = columns.stream().map(c -> quote(c.name())).collect(Collectors.joining(", "));
    String params = columns.stream().map(c -> "?").collect(Collectors.joining(", "));
    String sourceNames =
        columns.stream().map(c -> "source." + quote(c.name())).collect(Collectors.joining(", "));
    List<String> sets = new ArrayList<>();
    columns.stream()
        .filter(c -> !c.name().equals(Column.KEY))
        .forEach(c -> sets.add("target." + quote(c.name()) + " = source." + quote(c.name())));
    cleared.forEach(c -> sets.add("target." + quote(c) + " = NULL"));
    String key = quote(Column.KEY);
    StringBuilder sql =
        new StringBuilder("MERGE INTO ")
            .append(qualified(table))
            .append(" WITH (HOLDLOCK) AS target USING (VALUES (")
            .append(params)
            .append(")) AS source (")
            .append(names)
            .append(") ON target.")
            .append(key)
            .append(" = source.")
            .append(key);
    if (!sets.isEmpty()) {
      sql.append(" WHEN MATCHED THEN UPDATE SET ").append(String.join(", ", sets));
    }
    return sql.append(" WHEN NOT MATCHED THEN INSERT (")
        .append(names)
        .append(") VALUES (")
        .append(sourceNames)
        .append(");")
        .toString();
  }

  /**
   * Accepts a JDBC URL or an ADO.NET connection string as the Azure portal shows it ({@code
   * Server=tcp:host,1433;Initial Catalog=db;User ID=u;Password=p;Encrypt=True;…}).
   */
  @Override
  public String jdbcUrl(String connectionString) {
    if (connectionString.startsWith("jdbc:")) {
      return connectionString;
    }
    String server = null;
    Map<String, String> props = new LinkedHashMap<>();
    for (String part : connectionString.split(";")) {
      int eq = part.indexOf('=');
      if (eq < 0) {
        continue;
      }
      String key = part.substring(0, eq).trim().toLowerCase(Locale.ROOT);
      String value = part.substring(eq + 1).trim();
      if (key.equals("server") || key.equals("data source") || key.equals("address")) {
        server = value.replaceFirst("^tcp:", "").replace(',', ':');
      } else if (ADO_TO_JDBC.containsKey(key)) {
        props.put(ADO_TO_JDBC.get(key), value);
      }
    }
    if (server == null) {
      throw new IllegalArgumentException("connection_string names no Server");
    }
    StringBuilder url = new StringBuilder("jdbc:sqlserver://").append(server);
    props.forEach((k, v) -> url.append(';').append(k).append('=').append(v));
    return url.toString();
  }
}
