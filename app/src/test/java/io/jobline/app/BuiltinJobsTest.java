package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The built-in jobs run by the executor of a standalone, with the settings and databases it wires.
 */
class BuiltinJobsTest {
  private static Http http;
  private static MongoClient mongo;
  private static MongoDatabase db;

  @BeforeAll
  static void start() {
    Standalone standalone = SharedStandalone.get();
    http = new Http(standalone.apiUrl());
    mongo = MongoClients.create(standalone.mongoUri());
    db = mongo.getDatabase(standalone.config().mongo.database);
  }

  @AfterAll
  static void close() {
    mongo.close();
  }

  @Test
  void theCatalogueListsTheBuiltIns() {
    JsonNode jobs = http.get("/jobs").body();
    assertThat(jobs.toString())
        .contains("\"cleanup_expired_tokens\"")
        .contains("\"bi-export\"")
        .contains("\"purge_soft_deleted\"");
  }

  @Test
  void expiredTokensAreDeletedByARunSubmittedOverRest() {
    var codes = db.getCollection("AuthenticationCode");
    codes.insertOne(
        new Document("_id", "rest-expired")
            .append("expires_at", Date.from(Instant.now().minusSeconds(5))));
    codes.insertOne(
        new Document("_id", "rest-live")
            .append("expires_at", Date.from(Instant.now().plus(Duration.ofHours(1)))));

    String runId =
        http.post("/jobs/run/cleanup_expired_tokens", "{}").body().path("run_id").asText();
    JsonNode run = EndToEndTest.awaitRun(http, runId, "completed");

    assertThat(run.path("result").path("deleted").path("AuthenticationCode").asLong())
        .isGreaterThanOrEqualTo(1);
    assertThat(codes.find(new Document("_id", "rest-expired")).first()).isNull();
    assertThat(codes.find(new Document("_id", "rest-live")).first()).isNotNull();
  }

  @Test
  void theAuditLogIsArchivedUnderTheStandalonesDataFolder() {
    var log = db.getCollection("audit_log");
    log.insertOne(
        new Document("_id", "ancient")
            .append("created_at", Date.from(Instant.now().minus(Duration.ofDays(400)))));

    String runId = http.post("/jobs/run/audit-log-archive", "{}").body().path("run_id").asText();
    JsonNode run = EndToEndTest.awaitRun(http, runId, "completed");

    JsonNode files = run.path("result").path("archive_files");
    assertThat(files.size()).isGreaterThanOrEqualTo(1);
    assertThat(Path.of(files.get(0).asText()))
        .exists()
        .satisfies(p -> assertThat(Files.size(p)).isPositive());
    assertThat(log.find(new Document("_id", "ancient")).first()).isNull();
  }
}
