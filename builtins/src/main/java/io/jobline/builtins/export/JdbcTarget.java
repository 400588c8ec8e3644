package io.jobline.builtins.export;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A relational target over JDBC: creates the table if absent, adds missing columns, and upserts
 * each batch in one transaction with the dialect's single-row upsert, batched.
 */
final class JdbcTarget implements ExportTarget {
  private final Connection connection;
  private final SqlDialect dialect;
  private final boolean namesIgnoreCase;
  private final Map<String, Map<String, ColumnType>> tables = new HashMap<>();

  /**
   * Per table, the columns an upsert sets to null where its rows lack them: nullable, with no
   * default, not generated — the columns the export made, or any like them; a column with a default
   * or NOT NULL (added by someone else) is left as it is.
   */
  private final Map<String, Set<String>> clearable = new HashMap<>();

  JdbcTarget(Connection connection, SqlDialect dialect) throws SQLException {
    this.connection = connection;
    this.dialect = dialect;
    connection.setAutoCommit(false);
    this.namesIgnoreCase = dialect.namesIgnoreCase(connection);
  }

  /**
   * Connects with the dialect's reading of {@code connectionString}.
   *
   * @throws SQLException if the database cannot be reached
   */
  static JdbcTarget open(SqlDialect dialect, String connectionString) throws SQLException {
    String url = null;
    try {
      url = dialect.jdbcUrl(connectionString);
      return new JdbcTarget(DriverManager.getConnection(url), dialect);
    } catch (SQLException | RuntimeException e) {
      // (the error becomes the run's error: in job_runs, on jobline.events, in `jobline runs`.
      // The driver's and the URI parser's messages quote the connection string, password and
      // all, which is why it may be given as env:NAME: the text is left out, and the cause with
      // it)
      String message = withoutSecrets(e.getMessage(), connectionString, url);
      if (e instanceof SQLException sql) {
        throw new SQLException(message, sql.getSQLState(), sql.getErrorCode());
      }
      throw new IllegalArgumentException(
          "the connection string cannot be read: " + message + " (its text left out)");
    }
  }

  /** {@code message} with the connection string and the URL made of it left out. */
  static String withoutSecrets(String message, String connectionString, String url) {
    String out = message == null ? "" : message;
    for (String secret : new String[] {url, connectionString}) {
      if (secret != null && !secret.isEmpty()) {
        out = out.replace(secret, "<connection string>");
      }
    }
    return out;
  }

  /** How long the check that the server still answers waits. */
  private static final int VALID_WITHIN_SECONDS = 10;

  @Override
  public boolean reachable() {
    try {
      return connection.isValid(VALID_WITHIN_SECONDS);
    } catch (SQLException e) {
      return false;
    }
  }

  @Override
  public List<Column> upsert(String table, List<Column> columns, List<Row> rows)
      throws SQLException {
    try {
      if (namesIgnoreCase) {
        // in the spelling the table has each column: added again as another, it was refused
        rows = CaseFold.fold(known(table).keySet(), rows).rows();
        columns = Column.infer(rows);
      }
      List<Column> typed = ensureColumns(table, columns);
      List<String> cleared = Column.lacking(clearable.getOrDefault(table, Set.of()), typed);
      List<Object[]> values = Row.values(rows, typed); // (before anything is written)
      try (PreparedStatement ps =
          connection.prepareStatement(dialect.upsert(table, typed, cleared))) {
        for (Object[] row : values) {
          for (int i = 0; i < typed.size(); i++) {
            bind(ps, i + 1, typed.get(i).type(), row[i]);
          }
          ps.addBatch();
        }
        ps.executeBatch();
      }
      connection.commit();
      return typed;
    } catch (SQLException | RuntimeException e) {
      connection.rollback();
      tables.remove(table);
      throw e;
    }
  }

  @Override
  public void delete(String table, List<String> ids) throws SQLException {
    if (ids.isEmpty()) {
      return;
    }
    if (known(table).isEmpty()) {
      return;
    }
    try {
      // in statements of at most MAX_DELETE_IDS: SQL Server takes 2,100 parameters a statement,
      // and a batch of more soft-deleted ids was refused on every run (found by review)
      for (int from = 0; from < ids.size(); from += MAX_DELETE_IDS) {
        List<String> some = ids.subList(from, Math.min(ids.size(), from + MAX_DELETE_IDS));
        String marks = String.join(", ", Collections.nCopies(some.size(), "?"));
        try (PreparedStatement ps =
            connection.prepareStatement(
                "DELETE FROM "
                    + dialect.qualified(table)
                    + " WHERE "
                    + dialect.quote(Column.KEY)
                    + " IN ("
                    + marks
                    + ")")) {
          for (int i = 0; i < some.size(); i++) {
            ps.setString(i + 1, some.get(i));
          }
          ps.executeUpdate();
        }
      }
      connection.commit();
    } catch (SQLException | RuntimeException e) {
      connection.rollback();
      throw e;
    }
  }

  @Override
  public long deleteNotWrittenBy(String table, Pass pass) throws SQLException {
    Map<String, ColumnType> columns = known(table);
    if (!has(columns, Column.TENANT)
        || !has(columns, Column.RESOURCE)
        || !has(columns, Column.PASS)) {
      return 0; // (no export since they were added has written a row to it)
    }
    String written = dialect.quote(Column.PASS);
    try (PreparedStatement ps =
        connection.prepareStatement(
            "DELETE FROM "
                + dialect.qualified(table)
                + " WHERE "
                + dialect.quote(Column.TENANT)
                + " = ? AND "
                + dialect.quote(Column.RESOURCE)
                + " = ? AND ("
                + written
                + " IS NULL OR "
                + written
                + " <> ?)")) {
      ps.setString(1, pass.tenant());
      ps.setString(2, pass.resource());
      ps.setString(3, pass.id());
      long deleted = ps.executeUpdate();
      connection.commit();
      return deleted;
    } catch (SQLException | RuntimeException e) {
      connection.rollback();
      throw e;
    }
  }

  private boolean has(Map<String, ColumnType> columns, String name) {
    return namesIgnoreCase
        ? columns.keySet().stream().anyMatch(name::equalsIgnoreCase)
        : columns.containsKey(name);
  }

  @Override
  public boolean namesIgnoreCase() {
    return namesIgnoreCase;
  }

  /** The most ids one DELETE names (SQL Server's limit is 2,100 parameters a statement). */
  static final int MAX_DELETE_IDS = 2_000;

  /**
   * Creates the table or adds the columns it lacks; returns every column of the table, typed as the
   * table has them: an upsert writes them all, so a column the rows lack is set to null.
   */
  private List<Column> ensureColumns(String table, List<Column> columns) throws SQLException {
    Map<String, ColumnType> existing = known(table);
    try (Statement st = connection.createStatement()) {
      Set<String> made = clearable.computeIfAbsent(table, t -> new HashSet<>());
      if (existing.isEmpty()) {
        st.execute(dialect.createTable(table, columns));
        columns.forEach(c -> tables.get(table).put(c.name(), c.type()));
        columns.forEach(c -> made.add(c.name()));
      } else {
        for (Column c : columns) {
          if (!existing.containsKey(c.name())) {
            st.execute(dialect.addColumn(table, c));
            existing.put(c.name(), c.type());
            made.add(c.name());
          }
        }
      }
      made.remove(Column.KEY);
    }
    connection.commit();
    Map<String, ColumnType> known = tables.get(table);
    return columns.stream()
        .map(c -> new Column(c.name(), known.getOrDefault(c.name(), c.type())))
        .toList();
  }

  /** The table's columns, read once (none if it does not exist yet). */
  private Map<String, ColumnType> known(String table) throws SQLException {
    Map<String, ColumnType> existing = tables.get(table);
    if (existing == null) {
      existing = describe(table);
      tables.put(table, existing);
    }
    return existing;
  }

  private Map<String, ColumnType> describe(String table) throws SQLException {
    Map<String, ColumnType> columns = new LinkedHashMap<>();
    // the lookup takes LIKE patterns: escape them, and look in the current schema when none is
    // named, so that `user_events` does not match `userXevents` nor `users` another schema's
    // `users`
    var meta = connection.getMetaData();
    String schema =
        dialect.schemaOf(table) != null ? dialect.schemaOf(table) : connection.getSchema();
    try (ResultSet rs =
        meta.getColumns(
            null,
            likeLiteral(schema, meta.getSearchStringEscape()),
            likeLiteral(dialect.nameOf(table), meta.getSearchStringEscape()),
            null)) {
      Set<String> clear = new HashSet<>();
      while (rs.next()) {
        String name = rs.getString("COLUMN_NAME");
        columns.put(name, dialect.fromSql(rs.getString("TYPE_NAME")));
        if ("YES".equals(rs.getString("IS_NULLABLE"))
            && rs.getString("COLUMN_DEF") == null
            && !"YES".equals(rs.getString("IS_AUTOINCREMENT"))
            && !"YES".equals(rs.getString("IS_GENERATEDCOLUMN"))
            && !name.equals(Column.KEY)) {
          clear.add(name);
        }
      }
      clearable.put(table, clear);
    }
    return columns;
  }

  private static String likeLiteral(String name, String escape) {
    if (name == null || escape == null || escape.isEmpty()) {
      return name;
    }
    return name.replace(escape, escape + escape)
        .replace("_", escape + "_")
        .replace("%", escape + "%");
  }

  private static void bind(PreparedStatement ps, int index, ColumnType type, Object value)
      throws SQLException {
    switch (type) {
      case STRING -> {
        if (value == null) {
          ps.setNull(index, Types.VARCHAR);
        } else {
          ps.setString(index, (String) value);
        }
      }
      case INTEGER -> {
        if (value == null) {
          ps.setNull(index, Types.BIGINT);
        } else {
          ps.setLong(index, ((Number) value).longValue());
        }
      }
      case FLOAT -> {
        if (value == null) {
          ps.setNull(index, Types.DOUBLE);
        } else {
          ps.setDouble(index, ((Number) value).doubleValue());
        }
      }
      case BOOLEAN -> {
        if (value == null) {
          ps.setNull(index, Types.BOOLEAN);
        } else {
          ps.setBoolean(index, (Boolean) value);
        }
      }
      case TIMESTAMP ->
          ps.setObject(
              index,
              value == null ? null : OffsetDateTime.ofInstant((Instant) value, ZoneOffset.UTC),
              Types.TIMESTAMP_WITH_TIMEZONE);
    }
  }

  @Override
  public void close() {
    try {
      connection.close();
    } catch (SQLException e) {
      // closing a connection we are done with: nothing left to lose
    }
  }
}
