package io.jobline.builtins.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A JDBC target whose database takes column names without regard to case writes each column in the
 * spelling the table has: against a real PostgreSQL through a dialect that says its names ignore
 * case (PostgreSQL itself tells quoted names apart, so a column added in another spelling shows).
 */
class JdbcTargetCaseTest {
  /** PostgreSQL's dialect, but for names ignoring case. */
  private static SqlDialect ignoringCase() {
    PostgresDialect postgres = new PostgresDialect();
    return (SqlDialect)
        Proxy.newProxyInstance(
            JdbcTargetCaseTest.class.getClassLoader(),
            new Class<?>[] {SqlDialect.class},
            (proxy, method, args) -> {
              if (method.getName().equals("namesIgnoreCase")) {
                return true;
              }
              try {
                return method.invoke(postgres, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  private static Row row(String id, String column, Object value) {
    return new Row(id, Map.of(column, value), Set.of());
  }

  @Test
  void aColumnNamedInAnotherCaseIsWrittenInTheTablesSpellingNotAddedAgain() throws Exception {
    String table = "bi_case_" + Long.toString(System.nanoTime(), 36);
    try (Connection sql = Postgres.connect()) {
      try {
        JdbcTarget target = new JdbcTarget(sql, ignoringCase());
        List<Row> first = List.of(row("a", "plan", "pro"));
        target.upsert(table, Column.infer(first), first);

        List<Row> second = List.of(row("b", "Plan", "basic"), row("a", "PLAN", "team"));
        List<Column> typed = target.upsert(table, Column.infer(second), second);

        assertThat(typed).extracting(Column::name).containsExactly("_id", "plan");
        List<String> columns = new ArrayList<>();
        try (ResultSet rs = sql.getMetaData().getColumns(null, null, table, null)) {
          while (rs.next()) {
            columns.add(rs.getString("COLUMN_NAME"));
          }
        }
        assertThat(columns).containsExactlyInAnyOrder("_id", "plan");
        try (Statement st = sql.createStatement();
            ResultSet rs =
                st.executeQuery("SELECT \"_id\", plan FROM " + table + " ORDER BY \"_id\"")) {
          List<String> rows = new ArrayList<>();
          while (rs.next()) {
            rows.add(rs.getString(1) + "=" + rs.getString(2));
          }
          assertThat(rows).containsExactly("a=team", "b=basic");
        }
      } finally {
        sql.rollback();
        sql.setAutoCommit(true);
        try (Statement st = sql.createStatement()) {
          st.execute("DROP TABLE IF EXISTS " + table);
        }
      }
    }
  }

  /** A connection whose one query answers {@code style}, or fails. */
  private static Connection answering(Object style) {
    ResultSet rs =
        (ResultSet)
            Proxy.newProxyInstance(
                JdbcTargetCaseTest.class.getClassLoader(),
                new Class<?>[] {ResultSet.class},
                (proxy, method, args) ->
                    switch (method.getName()) {
                      case "next" -> true;
                      case "getInt" -> (Integer) style;
                      default -> null;
                    });
    Statement st =
        (Statement)
            Proxy.newProxyInstance(
                JdbcTargetCaseTest.class.getClassLoader(),
                new Class<?>[] {Statement.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("executeQuery")) {
                    assertThat((String) args[0]).isEqualTo(SqlServerDialect.COMPARISON_STYLE);
                    if (style instanceof SQLException e) {
                      throw e;
                    }
                    return rs;
                  }
                  return null;
                });
    return (Connection)
        Proxy.newProxyInstance(
            JdbcTargetCaseTest.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            (proxy, method, args) -> method.getName().equals("createStatement") ? st : null);
  }

  @Test
  void sqlServerNamesIgnoreCaseAsTheDatabasesCollationSays() {
    // found by review: a case-sensitive database may hold both Plan and plan
    SqlServerDialect azure = new SqlServerDialect();
    assertThat(azure.namesIgnoreCase(answering(196609))).as("Latin1_General_CI_AS").isTrue();
    assertThat(azure.namesIgnoreCase(answering(196608))).as("Latin1_General_CS_AS").isFalse();
    assertThat(azure.namesIgnoreCase(answering(new SQLException("denied"))))
        .as("unknown: as the default collations")
        .isTrue();
    assertThat(new PostgresDialect().namesIgnoreCase(answering(196609))).isFalse();
  }
}
