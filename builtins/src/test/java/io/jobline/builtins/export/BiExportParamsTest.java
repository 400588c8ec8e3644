package io.jobline.builtins.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.builtins.Recording;
import io.jobline.builtins.TestResources;
import io.jobline.job.JobDescriptor;
import io.jobline.job.JobException;
import io.jobline.job.JobRegistry;
import io.jobline.job.ParamsValidator;
import io.jobline.wire.Json;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.junit.jupiter.api.Test;

class BiExportParamsTest {
  private final JobDescriptor job =
      JobRegistry.scan(List.of("io.jobline.builtins.export"))
          .find("bi-export")
          .orElseThrow()
          .descriptor();
  private final ParamsValidator validator = new ParamsValidator();

  private List<String> violations(String json) throws Exception {
    return validator.violations(job, Json.mapper().readTree(json));
  }

  @Test
  void theJobIsPerTenantWithTheSeedsTimeoutAndRetries() {
    assertThat(job.perTenant()).isTrue();
    assertThat(job.timeoutSeconds()).isEqualTo(3600);
    assertThat(job.retries()).isEqualTo(2);
  }

  @Test
  void theSeedsParamsAreAccepted() throws Exception {
    assertThat(
            violations(
                """
        {"target_type": "bigquery", "project_id": "acme", "dataset_id": "bi", "location": "EU",
         "credentials_path": "/secrets/sa.json", "batch_size": 500,
         "configs": [{"resource": "users", "target_table": "users", "gdpr_mode": "hash", "flatten_depth": 1,
                      "flatten_fields": {}, "exclude_fields": [], "include_fields": null}]}"""))
        .isEmpty();
    assertThat(
            violations(
                """
        {"target_type": "azure_sql", "connection_string": "Server=tcp:x.database.windows.net,1433;Database=bi",
         "configs": [{"resource": "orders", "target_table": "orders"}]}"""))
        .isEmpty();
  }

  @Test
  void eachTargetsRequiredParamsAndBadValuesAreNamed() throws Exception {
    assertThat(
            violations(
                "{\"target_type\": \"bigquery\", \"configs\": [{\"resource\": \"u\", \"target_table\": \"u\"}]}"))
        .anyMatch(v -> v.contains("project_id"))
        .anyMatch(v -> v.contains("dataset_id"));
    assertThat(
            violations(
                "{\"target_type\": \"postgres\", \"configs\": [{\"resource\": \"u\", \"target_table\": \"u\"}]}"))
        .anyMatch(v -> v.contains("connection_string"));
    assertThat(
            violations(
                """
        {"target_type": "oracle", "connection_string": "x", "batch_size": 0,
         "configs": [{"resource": "u", "target_table": "u; DROP TABLE x", "gdpr_mode": "blur"}]}"""))
        .anyMatch(v -> v.contains("target_type"))
        .anyMatch(v -> v.contains("batch_size"))
        .anyMatch(v -> v.contains("target_table"))
        .anyMatch(v -> v.contains("gdpr_mode"));
    assertThat(
            violations(
                "{\"target_type\": \"postgres\", \"connection_string\": \"x\", \"configs\": []}"))
        .anyMatch(v -> v.contains("configs"));
  }

  @Test
  void aResourceWhosePersonalFieldsAreNotDeclaredIsRefusedBeforeAnythingIsExported()
      throws Exception {
    try (TestResources resources = new TestResources()) {
      resources.settings.biExport.personalFields = Map.of("orders", List.of());
      resources
          .app()
          .getCollection("users")
          .insertOne(
              new Document("_id", "u1")
                  .append("tenant_id", "t1")
                  .append("email", "someone@example.com"));
      ObjectNode params =
          (ObjectNode)
              Json.mapper()
                  .readTree(
                      """
          {"target_type": "postgres", "connection_string": "postgresql://nobody@127.0.0.1:1/none",
           "configs": [{"resource": "orders", "target_table": "orders"}, {"resource": "users", "target_table": "users"}]}""");

      assertThatThrownBy(
              () -> new BiExport(resources).export(new Recording("bi-export", "t1", params)))
          .isInstanceOf(JobException.class)
          .hasMessageContaining("nothing was exported")
          .hasMessageContaining("personalFields")
          .hasMessageEndingWith(": users");
    }
  }

  @Test
  void aWarehouseIsNamedByItsDatasetOrItsConnectionStringWithoutThePassword() {
    ExportParams bq =
        new ExportParams(
            ExportParams.TargetType.BIGQUERY, null, "acme", "bi", "EU", null, null, null);
    assertThat(bq.destination()).isEqualTo("acme/bi");
    String sqlServer = "jdbc:sqlserver://db1:1433;database=bi;user=export;password=%s;encrypt=true";
    ExportParams one = sql(sqlServer.formatted("first-secret"));
    assertThat(one.destination())
        .as("a rotated password is the same warehouse")
        .isEqualTo(sql(sqlServer.formatted("second")).destination())
        .isNotEqualTo(sql(sqlServer.replace("db1", "db2").formatted("first-secret")).destination())
        .doesNotContain("first-secret")
        .hasSize(24);
    assertThat(sql("jdbc:postgresql://h/bi?user=u&password=a").destination())
        .isEqualTo(sql("jdbc:postgresql://h/bi?user=u&password=b").destination())
        .isNotEqualTo(sql("jdbc:postgresql://h/other?user=u&password=a").destination());
  }

  private static ExportParams sql(String connectionString) {
    return new ExportParams(
        ExportParams.TargetType.AZURE_SQL, null, null, null, null, null, connectionString, null);
  }

  @Test
  void twoConfigsNamingOneTableAreRefusedNamingBoth() {
    // found by review: rows are keyed by _id alone, and two resources in one table overwrote
    // each other's rows and deleted them with their soft deletes
    ExportParams shared =
        ExportParams.from(
            Json.object()
                .put("target_type", "postgres")
                .put("connection_string", "jdbc:postgresql://h/bi")
                .set(
                    "configs",
                    Json.mapper()
                        .createArrayNode()
                        .add(Json.object().put("resource", "users").put("target_table", "people"))
                        .add(Json.object().put("resource", "orders").put("target_table", "o"))
                        .add(
                            Json.object()
                                .put("resource", "profiles")
                                .put("target_table", "people"))));
    assertThat(BiExport.sharedTables(shared))
        .hasValueSatisfying(
            why ->
                assertThat(why)
                    .contains("configs[2].target_table 'people' is the target of configs[0]"));
    assertThat(
            BiExport.sharedTables(ExportParams.from(Json.object().put("target_type", "postgres"))))
        .isEmpty();
  }
}
