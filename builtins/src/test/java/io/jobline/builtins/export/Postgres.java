package io.jobline.builtins.export;

import static org.assertj.core.api.Assertions.fail;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.junit.jupiter.api.Assumptions;

/**
 * The PostgreSQL server the tests export to: {@code .ci/postgres start} sets
 * JOBLINE_TEST_POSTGRES_URL.
 */
final class Postgres {
  private Postgres() {}

  /** Its JDBC URL; the test is skipped without one, except under CI, where that is a failure. */
  static String url() {
    String url = System.getenv("JOBLINE_TEST_POSTGRES_URL");
    if (url == null || url.isBlank()) {
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail(
            "CI=true but JOBLINE_TEST_POSTGRES_URL is not set; .ci/run starts PostgreSQL with .ci/postgres");
      }
      Assumptions.abort(
          "PostgreSQL export tests skipped: no server (run eval \"$(.ci/postgres start)\" to get one)");
    }
    return url;
  }

  static Connection connect() throws SQLException {
    return DriverManager.getConnection(url());
  }
}
