package io.jobline.builtins.export;

import io.jobline.builtins.BuiltinSettings;
import io.jobline.job.JobException;
import java.time.Clock;
import java.util.function.UnaryOperator;

/** Opens the target a {@code bi-export} run names. */
final class Targets {
  /**
   * A param value of this form is read from the executor's environment instead (keeps secrets out
   * of run records).
   */
  static final String ENV_PREFIX = "env:";

  private Targets() {}

  /**
   * Connects to the target of {@code params}.
   *
   * @throws Exception if it cannot be reached; the run fails (and is retried)
   */
  static ExportTarget open(ExportParams params, BuiltinSettings.BiExport settings, Clock clock)
      throws Exception {
    return switch (params.targetType()) {
      case BIGQUERY -> BigQueryTarget.open(params, settings.bigqueryHost, clock);
      case AZURE_SQL ->
          JdbcTarget.open(
              new SqlServerDialect(), resolve(params.connectionString(), System::getenv));
      case POSTGRES ->
          JdbcTarget.open(
              new PostgresDialect(), resolve(params.connectionString(), System::getenv));
    };
  }

  /**
   * The connection string itself, or, for {@code env:NAME}, the value of that environment variable.
   *
   * @throws JobException if the variable is not set
   */
  static String resolve(String connectionString, UnaryOperator<String> env) {
    if (connectionString == null || !connectionString.startsWith(ENV_PREFIX)) {
      return connectionString;
    }
    String name = connectionString.substring(ENV_PREFIX.length());
    String value = env.apply(name);
    if (value == null || value.isBlank()) {
      throw new JobException(
          "connection_string names the environment variable "
              + name
              + ", which is not set on this executor; set it there (nothing was exported)");
    }
    return value;
  }
}
