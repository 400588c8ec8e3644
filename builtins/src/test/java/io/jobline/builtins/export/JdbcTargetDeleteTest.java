package io.jobline.builtins.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The deletes of soft-deleted documents' rows, against a real PostgreSQL. */
class JdbcTargetDeleteTest {
  @Test
  void manyIdsAreDeletedInStatementsSqlServerTakes() throws Exception {
    // found by review: one DELETE named every id of a batch, and SQL Server refuses a statement of
    // more than 2,100 parameters: with a batch_size over that the rows of deleted documents stayed
    String table = "bi_deletes_" + Long.toString(System.nanoTime(), 36);
    List<Integer> parameters = new CopyOnWriteArrayList<>();
    try (Connection sql = Postgres.connect()) {
      Connection counting =
          (Connection)
              Proxy.newProxyInstance(
                  getClass().getClassLoader(),
                  new Class<?>[] {Connection.class},
                  (proxy, method, args) -> {
                    if (method.getName().equals("prepareStatement")
                        && ((String) args[0]).startsWith("DELETE")) {
                      parameters.add(
                          (int) ((String) args[0]).chars().filter(c -> c == '?').count());
                    }
                    try {
                      return method.invoke(sql, args);
                    } catch (InvocationTargetException e) {
                      throw e.getCause();
                    }
                  });
      try (Statement st = sql.createStatement()) {
        st.execute("CREATE TABLE " + table + " (\"_id\" TEXT PRIMARY KEY, n INT)");
        st.execute(
            "INSERT INTO " + table + " SELECT 'id-' || g, g FROM generate_series(1, 4500) g");
      }
      List<String> ids = new ArrayList<>();
      for (int i = 1; i <= 4400; i++) {
        ids.add("id-" + i);
      }
      try {
        new JdbcTarget(counting, new PostgresDialect()).delete(table, ids);

        assertThat(parameters).hasSize(3).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(2000));
        try (Statement st = sql.createStatement();
            ResultSet left = st.executeQuery("SELECT count(*) FROM " + table)) {
          left.next();
          assertThat(left.getInt(1)).isEqualTo(100);
        }
      } finally {
        sql.setAutoCommit(true);
        try (Statement st = sql.createStatement()) {
          st.execute("DROP TABLE IF EXISTS " + table);
        }
      }
    }
  }
}
