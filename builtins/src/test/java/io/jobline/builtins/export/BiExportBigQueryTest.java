package io.jobline.builtins.export;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.builtins.Recording;
import io.jobline.builtins.TestResources;
import io.jobline.wire.Json;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bson.BsonBoolean;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The bi-export job against a local server speaking BigQuery's REST API, pointed at with the
 * client's host option.
 */
class BiExportBigQueryTest {
  private final TestResources resources = new TestResources();
  private FakeBigQuery bigquery;

  @BeforeEach
  void data() throws Exception {
    bigquery = new FakeBigQuery();
    resources.settings.biExport.bigqueryHost = bigquery.host();
    resources.settings.biExport.personalFields = Map.of("users", List.of("email"));
    var u = resources.app().getCollection("users");
    for (int i = 1; i <= 5; i++) {
      u.insertOne(
          new Document("_id", "u" + i)
              .append("tenant_id", "t1")
              .append("name", "User " + i)
              .append("email", "user" + i + "@example.com")
              .append("visits", i)
              .append("seen_at", Date.from(Instant.parse("2026-02-0" + i + "T08:00:00Z"))));
    }
  }

  @AfterEach
  void close() {
    bigquery.close();
    resources.close();
  }

  private ObjectNode params() throws Exception {
    return (ObjectNode)
        Json.mapper()
            .readTree(
                """
        {"target_type": "bigquery", "project_id": "acme", "dataset_id": "bi", "location": "EU", "batch_size": 2,
         "configs": [{"resource": "users", "target_table": "users", "gdpr_mode": "anonymize"}]}""");
  }

  @Test
  void aStopRequestEndsTheExportBetweenDocumentsAndStillDropsTheStagingTable() throws Exception {
    Recording ctx = new Recording("bi-export", "t1", params()).stopAfterChecks(3);

    ExportSummary summary = new BiExport(resources).export(ctx);

    assertThat(summary.totalExported()).isEqualTo(2);
    assertThat(bigquery.rowsOf("acme.bi.users")).hasSize(2);
    assertThat(ctx.lines)
        .anyMatch(
            l -> l.startsWith("WARN Stopped before the export finished (1 of 1 resources begun)"));
    assertThat(bigquery.calls()).last().asString().startsWith("DELETE ");
  }

  @Test
  void createsTheTableLoadsEachBatchIntoStagingAndMergesItByIdWithoutDuplicatesOnRerun()
      throws Exception {
    ExportSummary summary =
        new BiExport(resources).export(new Recording("bi-export", "t1", params()));

    assertThat(summary.totalExported()).isEqualTo(5);
    assertThat(summary.totalErrors()).isZero();
    // a batch the target takes more than ten minutes to take (a load job queued, a throttled
    // server) must not lose the cursor the export reads its source with
    assertThat(resources.commands)
        .filteredOn(
            c -> c.getFirstKey().equals("find") && c.getString("find").getValue().equals("users"))
        .isNotEmpty()
        .allSatisfy(
            c ->
                assertThat(c.getBoolean("noCursorTimeout", BsonBoolean.FALSE).getValue()).isTrue());
    List<String> calls = bigquery.calls();
    assertThat(calls.get(0)).isEqualTo("GET /bigquery/v2/projects/acme/datasets/bi/tables/users");
    assertThat(calls.get(1)).isEqualTo("POST /bigquery/v2/projects/acme/datasets/bi/tables");
    assertThat(calls.get(2)).isEqualTo("POST /bigquery/v2/projects/acme/datasets/bi/tables");
    JsonNode staging = Json.mapper().readTree(bigquery.requests.get(2).body());
    assertThat(staging.path("tableReference").path("tableId").asText())
        .startsWith("users_staging_");
    assertThat(staging.path("expirationTime").asLong())
        .isEqualTo(TestResources.NOW.plusSeconds(86_400).toEpochMilli());
    assertThat(calls)
        .filteredOn(c -> c.startsWith("POST /upload/bigquery/v2/projects/acme/jobs"))
        .hasSize(3);
    assertThat(calls).filteredOn(c -> c.equals("POST /bigquery/v2/projects/acme/jobs")).hasSize(3);
    assertThat(calls)
        .last()
        .asString()
        .startsWith("DELETE /bigquery/v2/projects/acme/datasets/bi/tables/users_staging_");

    JsonNode created = Json.mapper().readTree(bigquery.requests.get(1).body());
    assertThat(created.path("schema").path("fields").toString())
        .contains("{\"mode\":\"REQUIRED\",\"name\":\"_id\",\"type\":\"STRING\"}")
        .contains("\"name\":\"visits\",\"type\":\"INTEGER\"")
        .contains("\"name\":\"seen_at\",\"type\":\"TIMESTAMP\"");
    FakeBigQuery.Request upload =
        bigquery.requests.stream()
            .filter(r -> r.path().startsWith("/upload/bigquery"))
            .findFirst()
            .orElseThrow();
    assertThat(upload.query()).contains("uploadType=resumable");
    JsonNode load = Json.mapper().readTree(upload.body()).path("configuration").path("load");
    assertThat(load.path("sourceFormat").asText()).isEqualTo("NEWLINE_DELIMITED_JSON");
    assertThat(load.path("writeDisposition").asText()).isEqualTo("WRITE_TRUNCATE");
    assertThat(load.path("destinationTable").path("tableId").asText()).startsWith("users_staging_");
    assertThat(Json.mapper().readTree(upload.body()).path("jobReference").path("location").asText())
        .isEqualTo("EU");
    FakeBigQuery.Request merge =
        bigquery.requests.stream()
            .filter(r -> r.path().equals("/bigquery/v2/projects/acme/jobs"))
            .findFirst()
            .orElseThrow();
    assertThat(
            Json.mapper()
                .readTree(merge.body())
                .path("configuration")
                .path("query")
                .path("query")
                .asText())
        .startsWith("MERGE `acme.bi.users` T USING `acme.bi.users_staging_")
        .contains("ON T.`_id` = S.`_id` WHEN MATCHED THEN UPDATE SET `tenant_id` = S.`tenant_id`")
        .contains(
            "WHEN NOT MATCHED THEN INSERT (`_id`, `tenant_id`, `name`, `email`, `visits`, `seen_at`)");
    String uploaded =
        bigquery.requests.stream()
            .filter(r -> r.path().startsWith("/upload/session/"))
            .findFirst()
            .orElseThrow()
            .body();
    assertThat(uploaded)
        .contains("\"_id\":\"u1\"")
        .contains("\"email\":\"[redacted]\"")
        .contains("\"seen_at\":\"2026-02-01 08:00:00.000000 UTC\"")
        .doesNotContain("@example.com");
    assertThat(bigquery.rowsOf("acme.bi.users")).hasSize(5);

    resources
        .app()
        .getCollection("users")
        .updateOne(new Document("_id", "u2"), new Document("$set", new Document("visits", 99)));
    ExportSummary again =
        new BiExport(resources).export(new Recording("bi-export", "t1", params()));

    assertThat(again.totalExported()).isEqualTo(5);
    assertThat(bigquery.rowsOf("acme.bi.users"))
        .hasSize(5)
        .filteredOn(r -> r.path("_id").asText().equals("u2"))
        .first()
        .extracting(r -> r.path("visits").asLong())
        .isEqualTo(99L);
    assertThat(bigquery.schemas).containsOnlyKeys("acme.bi.users");
  }

  @Test
  void theRowsOfDocumentsSoftDeletedSinceTheLastExportAreDeletedFromTheTable() throws Exception {
    new BiExport(resources).export(new Recording("bi-export", "t1", params()));
    resources
        .app()
        .getCollection("users")
        .updateOne(
            new Document("_id", "u2"), new Document("$set", new Document("is_deleted", true)));
    Recording again = new Recording("bi-export", "t1", params());

    ExportSummary summary = new BiExport(resources).export(again);

    assertThat(summary.totalErrors()).isZero();
    assertThat(bigquery.rowsOf("acme.bi.users"))
        .extracting(r -> r.path("_id").asText())
        .containsExactlyInAnyOrder("u1", "u3", "u4", "u5");
    assertThat(bigquery.requests)
        .filteredOn(r -> r.body() != null && r.body().contains("DELETE FROM"))
        .singleElement()
        .satisfies(
            r ->
                assertThat(r.body()).contains("DELETE FROM `acme.bi.users` WHERE `_id` IN ('u2')"));
    assertThat(again.lines)
        .contains("users: removed the rows of 1 soft-deleted documents from users");
  }

  @Test
  void aFieldLeftOutSinceTheLastExportLeavesNoOldValueInTheTable() throws Exception {
    // found by review: the MERGE set only the columns of its batch, so personal data a team
    // stopped exporting (or a field removed from the document) kept its old value in the table
    new BiExport(resources).export(new Recording("bi-export", "t1", params()));
    assertThat(bigquery.rowsOf("acme.bi.users"))
        .allSatisfy(r -> assertThat(r.path("name").asText()).startsWith("User "));
    ObjectNode excluding = params();
    ((ObjectNode) excluding.path("configs").get(0))
        .set("exclude_fields", Json.mapper().readTree("[\"name\"]"));

    ExportSummary again =
        new BiExport(resources).export(new Recording("bi-export", "t1", excluding));

    assertThat(again.totalErrors()).isZero();
    assertThat(bigquery.rowsOf("acme.bi.users"))
        .hasSize(5)
        .allSatisfy(r -> assertThat(r.path("name").isNull()).as("name of %s", r).isTrue())
        .allSatisfy(r -> assertThat(r.path("visits").asInt()).isPositive());
  }

  @Test
  void fieldsWhoseNamesDifferOnlyInCaseGoInOneColumnInTheSpellingTheTableHas() throws Exception {
    // found by review: BigQuery (and SQL Server) take column names without regard to case, so a
    // batch naming `Plan` and `plan`, or `Plan` when the table had `plan`, was refused, and every
    // batch holding them after it
    var users = resources.app().getCollection("users");
    users.updateOne(new Document("_id", "u1"), new Document("$set", new Document("plan", "pro")));
    new BiExport(resources).export(new Recording("bi-export", "t1", params()));
    users.updateOne(new Document("_id", "u2"), new Document("$set", new Document("Plan", "basic")));
    users.updateOne(
        new Document("_id", "u3"),
        new Document("$set", new Document("Plan", "first").append("plan", "second")));
    users.updateOne(
        new Document("_id", "u4"), new Document("$set", new Document("_ID", "not the key")));
    Recording run = new Recording("bi-export", "t1", params());

    ExportSummary summary = new BiExport(resources).export(run);

    assertThat(summary.totalErrors()).isZero();
    assertThat(summary.totalExported()).isEqualTo(5);
    assertThat(bigquery.schemas.get("acme.bi.users"))
        .extracting(f -> f.path("name").asText())
        .filteredOn(n -> n.equalsIgnoreCase("plan") || n.equalsIgnoreCase("_id"))
        .containsExactlyInAnyOrder("plan", "_id");
    Map<String, String> plans = new HashMap<>();
    bigquery
        .rowsOf("acme.bi.users")
        .forEach(r -> plans.put(r.path("_id").asText(), r.path("plan").asText(null)));
    assertThat(plans)
        .containsEntry("u1", "pro")
        .containsEntry("u2", "basic")
        .containsEntry("u3", "first")
        .containsEntry("u4", null);
    assertThat(run.lines)
        .filteredOn(l -> l.startsWith("WARN "))
        .hasSize(2)
        .anySatisfy(l -> assertThat(l).contains("column plan differs only in case"))
        .anySatisfy(l -> assertThat(l).contains("column _ID is the key's name in another case"));
  }

  @Test
  void aMaskedFieldSpelledOtherwiseThanItsTimestampColumnIsWrittenAsNullWithAWarning()
      throws Exception {
    // found by review: the warning compared the table's spelling with the batch's, and said
    // nothing when they differed
    new BiExport(resources).export(new Recording("bi-export", "t1", params()));
    resources
        .app()
        .getCollection("users")
        .updateMany(new Document(), new Document("$rename", new Document("seen_at", "Seen_At")));
    resources.settings.biExport.personalFields = Map.of("users", List.of("email", "seen_at"));
    Recording run = new Recording("bi-export", "t1", params());

    ExportSummary summary = new BiExport(resources).export(run);

    assertThat(summary.totalErrors()).isZero();
    assertThat(bigquery.rowsOf("acme.bi.users"))
        .hasSize(5)
        .allSatisfy(r -> assertThat(r.path("seen_at").isNull()).as("%s", r).isTrue());
    assertThat(run.lines)
        .filteredOn(l -> l.startsWith("WARN "))
        .singleElement()
        .asString()
        .contains("column seen_at of users holds a personal field but is timestamp");
  }

  @Test
  void aColumnAnotherRunAddedSinceThisOneReadTheTableIsNotAddedAgain() throws Exception {
    // found by review: the columns missing were worked out from the table as first read and added
    // to it as it is now, so one another run (another tenant's, fanned out with this one) had
    // added since was added twice, which BigQuery refuses, on every batch of the run
    resources
        .app()
        .getCollection("users")
        .updateMany(
            new Document("_id", new Document("$in", List.of("u3", "u4", "u5"))),
            new Document("$set", new Document("plan", "pro")));
    bigquery.afterNextMerge(
        "acme.bi.users", schema -> schema.addObject().put("name", "plan").put("type", "STRING"));

    ExportSummary summary =
        new BiExport(resources).export(new Recording("bi-export", "t1", params()));

    assertThat(summary.totalErrors()).isZero();
    assertThat(bigquery.rowsOf("acme.bi.users")).hasSize(5);
  }

  @Test
  void aSoftDeleteFlagGivenAsAPathIsRead() throws Exception {
    // found by review: the flag field was read as a top-level name, so with meta.deleted the
    // soft-deleted documents were exported
    resources.settings.softDelete.flagField = "meta.deleted";
    resources
        .app()
        .getCollection("users")
        .updateOne(
            new Document("_id", "u2"),
            new Document("$set", new Document("meta", new Document("deleted", true))));

    new BiExport(resources).export(new Recording("bi-export", "t1", params()));

    assertThat(bigquery.rowsOf("acme.bi.users"))
        .hasSize(4)
        .noneMatch(r -> r.path("_id").asText().equals("u2"));
  }

  @Test
  void aRunStoppedPartWayGoesOnWhereItStoppedAndThePassAfterIsWhole() throws Exception {
    // found by review: a run stopped at its timeout was begun again from the first document, so
    // a tenant larger than one run could export never had its last documents exported
    new BiExport(resources).export(new Recording("bi-export", "t1", params()).stopAfterChecks(3));
    assertThat(bigquery.rowsOf("acme.bi.users")).hasSize(2);

    Recording again = new Recording("bi-export", "t1", params());
    ExportSummary rest = new BiExport(resources).export(again);

    assertThat(rest.totalExported()).isEqualTo(3);
    assertThat(again.lines).anyMatch(l -> l.contains("users: going on after document u2"));
    assertThat(bigquery.rowsOf("acme.bi.users")).hasSize(5);
    assertThat(
            new BiExport(resources)
                .export(new Recording("bi-export", "t1", params()))
                .totalExported())
        .as("a whole pass again")
        .isEqualTo(5);
  }

  @Test
  void aBatchThatFailedBeforeTheStopIsWrittenByTheRunThatGoesOn() throws Exception {
    // found by review: the note moved past a batch whose write failed (as one interrupted by the
    // stop after a timeout does), and the run going on never wrote it
    Recording first = new Recording("bi-export", "t1", params()).stopAfterChecks(5);
    bigquery.afterNextMerge("acme.bi.users", schema -> bigquery.failNextMerge());
    new BiExport(resources).export(first); // u1, u2 written; u3, u4 refused; stopped before u5
    assertThat(bigquery.rowsOf("acme.bi.users")).hasSize(2);

    ExportSummary rest = new BiExport(resources).export(new Recording("bi-export", "t1", params()));

    assertThat(rest.totalExported()).isEqualTo(3);
    assertThat(bigquery.rowsOf("acme.bi.users")).hasSize(5);
  }
}
