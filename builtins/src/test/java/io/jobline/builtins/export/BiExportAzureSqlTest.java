package io.jobline.builtins.export;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.builtins.Recording;
import io.jobline.builtins.TestResources;
import io.jobline.wire.Json;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.mssqlserver.MSSQLServerContainer;

/**
 * The bi-export job against a real SQL Server in a container, twice; skipped where no Docker engine
 * runs.
 */
class BiExportAzureSqlTest {
  @Test
  void exportsIntoSqlServerWithMergeAndARerunAddsNoDuplicates() throws Exception {
    Assumptions.assumeTrue(
        DockerClientFactory.instance().isDockerAvailable(),
        "Azure SQL container test skipped: no Docker engine here (the generated SQL is covered by SqlDialectTest)");
    try (MSSQLServerContainer sqlServer =
            new MSSQLServerContainer("mcr.microsoft.com/mssql/server:2022-latest").acceptLicense();
        TestResources resources = new TestResources()) {
      sqlServer.start();
      resources.settings.biExport.personalFields = Map.of("users", List.of("email"));
      for (int i = 1; i <= 4; i++) {
        resources
            .app()
            .getCollection("users")
            .insertOne(
                new Document("_id", "u" + i)
                    .append("tenant_id", "t1")
                    .append("name", "User " + i)
                    .append("email", "u" + i + "@example.com")
                    .append("visits", i));
      }
      String url =
          sqlServer.getJdbcUrl()
              + ";user="
              + sqlServer.getUsername()
              + ";password="
              + sqlServer.getPassword();
      ObjectNode params =
          (ObjectNode)
              Json.mapper()
                  .readTree(
                      """
          {"target_type": "azure_sql", "connection_string": "%s", "batch_size": 3,
           "configs": [{"resource": "users", "target_table": "users", "gdpr_mode": "exclude"}]}"""
                          .formatted(url));

      assertThat(
              new BiExport(resources)
                  .export(new Recording("bi-export", "t1", params))
                  .totalExported())
          .isEqualTo(4);
      resources
          .app()
          .getCollection("users")
          .updateOne(new Document("_id", "u1"), new Document("$set", new Document("visits", 50)));
      assertThat(
              new BiExport(resources)
                  .export(new Recording("bi-export", "t1", params))
                  .totalErrors())
          .isZero();

      try (Connection sql = DriverManager.getConnection(url);
          ResultSet rs =
              sql.createStatement().executeQuery("SELECT COUNT(*), SUM(visits) FROM users")) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(4);
        assertThat(rs.getLong(2)).isEqualTo(50 + 2 + 3 + 4);
      }
    }
  }
}
