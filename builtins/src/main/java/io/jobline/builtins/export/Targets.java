package io.jobline.builtins.export;

import io.jobline.builtins.BuiltinSettings;

/** Opens the target a {@code bi-export} run names. */
final class Targets {
  private Targets() {}

  /**
   * Connects to the target of {@code params}.
   *
   * @throws Exception if it cannot be reached; the run fails (and is retried)
   */
  static ExportTarget open(ExportParams params, BuiltinSettings.BiExport settings, java.time.Clock clock) throws Exception {
    return switch (params.targetType()) {
      case BIGQUERY -> BigQueryTarget.open(params, settings.bigqueryHost, clock);
      case AZURE_SQL -> JdbcTarget.open(new SqlServerDialect(), params.connectionString());
      case POSTGRES -> JdbcTarget.open(new PostgresDialect(), params.connectionString());
    };
  }
}
