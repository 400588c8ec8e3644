package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.sun.net.httpserver.HttpServer;
import io.jobline.wire.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicInteger;
import org.bson.Document;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The command line as a user types it: exit codes, output, and --submit against a running API. */
class CliTest {
  record Outcome(int code, String out, String err) {}

  static synchronized Outcome jobline(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = Main.commandLine().execute(args);
      return new Outcome(
          code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @Test
  void runExecutesAJobInProcessAndPrintsItsResultAsJson() throws Exception {
    Outcome o =
        jobline(
            "run",
            "settlement",
            "--tenant-id",
            "t1",
            "--params",
            "{\"period\":\"2026-03\"}",
            "--json");
    assertThat(o.code()).isZero();
    JsonNode result = Json.mapper().readTree(o.out());
    assertThat(result.path("status").asText()).isEqualTo("completed");
    assertThat(result.path("result").path("processed").asInt()).isEqualTo(100);
    assertThat(o.err()).contains("Processed batch 4 of 4").contains("100%");
  }

  @Test
  void runWritesPlainLinesWithoutABarWhenStderrIsNotATerminal() {
    String before = System.getProperty(Terminal.STDERR_TTY_PROPERTY);
    System.setProperty(
        Terminal.STDERR_TTY_PROPERTY,
        "false"); // as the launcher says for `2> file` or `2>&1 | less`
    try {
      Outcome o =
          jobline("run", "settlement", "--tenant-id", "t1", "--params", "{\"period\":\"2026-03\"}");

      assertThat(o.code()).as(o.err()).isZero();
      assertThat(o.err())
          .doesNotContain("\r")
          .doesNotContain("\033")
          .doesNotContain("[#")
          .contains("INFO    Processed batch 4 of 4 (100%)")
          .endsWith("settlement: completed" + System.lineSeparator());
    } finally {
      if (before == null) {
        System.clearProperty(Terminal.STDERR_TTY_PROPERTY);
      } else {
        System.setProperty(Terminal.STDERR_TTY_PROPERTY, before);
      }
    }
  }

  @Test
  void invalidParamsAndUnknownJobsExitWithTwo() {
    Outcome bad = jobline("run", "settlement", "--params", "{\"period\":\"March\"}");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("$.period");
    assertThat(jobline("run", "no-such-job").code()).isEqualTo(2);
    assertThat(jobline("run", "noop", "--params", "[1]").code()).isEqualTo(2);
  }

  @Test
  void aFailingJobExitsWithOneAndATimedOutJobWith124() {
    Outcome failed =
        jobline(
            "run",
            "flaky",
            "--packages",
            "io.jobline.app.testjobs",
            "--params",
            "{\"failures\":5}");
    assertThat(failed.code()).isEqualTo(1);
    assertThat(failed.err()).contains("failed").contains("failure number 1");
    Outcome slow = jobline("run", "sleep", "--params", "{\"seconds\":5}", "--timeout", "1");
    assertThat(slow.code()).isEqualTo(124);
  }

  @Test
  void submitSendsTheRunToTheClusterAndFollowsItToTheEnd() throws Exception {
    String api = SharedStandalone.get().apiUrl();
    Outcome o =
        jobline(
            "run",
            "settlement",
            "--submit",
            "--api-url",
            api,
            "--token",
            Http.TEST_TOKEN,
            "--tenant-id",
            "t1",
            "--params",
            "{\"period\":\"2026-04\"}",
            "--json");
    assertThat(o.code()).isZero();
    assertThat(Json.mapper().readTree(o.out()).path("result").path("period").asText())
        .isEqualTo("2026-04");
    assertThat(o.err()).contains("submitted run").contains("Settlement for 2026-04 done");
    assertThat(
            jobline("run", "nope", "--submit", "--api-url", api, "--token", Http.TEST_TOKEN).code())
        .isEqualTo(2);
  }

  @Test
  void submitFollowsARetriedRunPastItsFailedAttemptsToItsEnd() throws Exception {
    Outcome o =
        jobline(
            "run",
            "flaky",
            "--submit",
            "--api-url",
            SharedStandalone.get().apiUrl(),
            "--token",
            Http.TEST_TOKEN,
            "--tenant-id",
            "t1",
            "--params",
            "{\"failures\":2}",
            "--json");
    assertThat(o.code()).as(o.err()).isZero();
    JsonNode run = Json.mapper().readTree(o.out());
    assertThat(run.path("status").asText()).isEqualTo("completed");
    assertThat(run.path("result").path("calls").asInt()).isEqualTo(3);
  }

  @Test
  void submitTakesAFailedAttemptWithARetryToComeForARunThatGoesOn() throws Exception {
    // an API that shows the run between its attempts once, then ended
    AtomicInteger reads = new AtomicInteger();
    HttpServer api = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    api.createContext(
        "/",
        exchange -> {
          String body;
          int status = 200;
          if ("POST".equals(exchange.getRequestMethod())) {
            status = 202;
            body = "{\"run_id\":\"r1\",\"status\":\"queued\"}";
          } else if (reads.incrementAndGet() == 1) {
            body =
                "{\"run_id\":\"r1\",\"status\":\"failed\",\"attempt\":1,\"error\":\"boom\","
                    + "\"next_attempt\":{\"attempt\":2,\"due_at\":\"2026-12-03T12:00:05Z\"},\"logs\":[]}";
          } else {
            body =
                "{\"run_id\":\"r1\",\"status\":\"completed\",\"attempt\":2,"
                    + "\"result\":{\"calls\":2},\"logs\":[]}";
          }
          byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(status, bytes.length);
          exchange.getResponseBody().write(bytes);
          exchange.close();
        });
    api.start();
    try {
      Outcome o =
          jobline(
              "run",
              "flaky",
              "--submit",
              "--api-url",
              "http://127.0.0.1:" + api.getAddress().getPort(),
              "--token",
              Http.TEST_TOKEN,
              "--json");
      assertThat(o.code()).as(o.err()).isZero();
      assertThat(Json.mapper().readTree(o.out()).path("result").path("calls").asInt()).isEqualTo(2);
      assertThat(reads).hasValue(2);
    } finally {
      api.stop(0);
    }
  }

  @Test
  void runCleansUpExpiredTokensInTheStandalonesStore() throws Exception {
    String uri = SharedStandalone.get().mongoUri();
    try (MongoClient mongo = MongoClients.create(uri)) {
      var sessions = mongo.getDatabase("cli_tokens").getCollection("UserAuthentication");
      for (int i = 0; i < 3; i++) {
        sessions.insertOne(
            new Document("_id", "expired-" + i)
                .append("expires_at", Date.from(Instant.now().minusSeconds(60))));
      }
      sessions.insertOne(
          new Document("_id", "live")
              .append("expires_at", Date.from(Instant.now().plusSeconds(3600))));

      Outcome o =
          jobline(
              "run",
              "cleanup_expired_tokens",
              "--mongo-uri",
              uri,
              "--database",
              "cli_tokens",
              "--json");

      assertThat(o.code()).as(o.err()).isZero();
      assertThat(
              Json.mapper()
                  .readTree(o.out())
                  .path("result")
                  .path("deleted")
                  .path("UserAuthentication")
                  .asInt())
          .isEqualTo(3);
      assertThat(o.err()).contains("UserAuthentication: deleted 3 of 3");
      assertThat(sessions.find().map(d -> d.getString("_id"))).containsExactly("live");
    }
  }

  @Test
  void biExportRunsWithTheStandaloneRunnerAndShowsProgressPerResource() throws Exception {
    String postgres = System.getenv("JOBLINE_TEST_POSTGRES_URL");
    if (postgres == null || postgres.isBlank()) {
      assertThat(System.getenv("CI"))
          .as("CI must provide JOBLINE_TEST_POSTGRES_URL (.ci/postgres)")
          .isNotEqualToIgnoringCase("true");
      Assumptions.abort(
          "bi-export CLI test skipped: no PostgreSQL (run eval \"$(.ci/postgres start)\" to get one)");
    }
    String uri = SharedStandalone.get().mongoUri();
    String suffix = Long.toString(System.nanoTime(), 36);
    try (MongoClient mongo = MongoClients.create(uri);
        Connection sql = DriverManager.getConnection(postgres)) {
      var db = mongo.getDatabase("cli_bi");
      for (int i = 1; i <= 3; i++) {
        db.getCollection("users")
            .insertOne(
                new Document("_id", "u" + i)
                    .append("tenant_id", "tenant_664abc")
                    .append("name", "U" + i));
        db.getCollection("orders")
            .insertOne(
                new Document("_id", "o" + i)
                    .append("tenant_id", "tenant_664abc")
                    .append("total", i));
      }
      db.getCollection("orders")
          .insertOne(new Document("_id", "x").append("tenant_id", "someone_else"));
      String params =
          ("{\"target_type\":\"postgres\",\"connection_string\":\"%s\",\"configs\":["
                  + "{\"resource\":\"users\",\"target_table\":\"cli_users_%s\"},"
                  + "{\"resource\":\"orders\",\"target_table\":\"cli_orders_%s\"}]}")
              .formatted(postgres, suffix, suffix);
      try {
        Path config = Files.createTempFile("cli-bi", ".yml");
        Files.writeString(
            config,
            "jobs:\n  builtins:\n    biExport:\n"
                + "      personalFields: {users: [name], orders: []}\n");
        Outcome o =
            jobline(
                "run",
                "bi-export",
                "--tenant-id",
                "tenant_664abc",
                "--params",
                params,
                "--config",
                config.toString(),
                "--mongo-uri",
                uri,
                "--database",
                "cli_bi",
                "--json");

        assertThat(o.code()).as(o.err()).isZero();
        assertThat(o.err())
            .contains("users -> cli_users_" + suffix + ": 3 of 3 exported")
            .contains("orders -> cli_orders_" + suffix + ": 3 of 3 exported");
        JsonNode result = Json.mapper().readTree(o.out()).path("result");
        assertThat(result.path("total_exported").asInt()).isEqualTo(6);
        assertThat(result.path("resources_processed").asInt()).isEqualTo(2);
        try (ResultSet rs =
            sql.createStatement().executeQuery("SELECT count(*) FROM cli_orders_" + suffix)) {
          rs.next();
          assertThat(rs.getInt(1)).isEqualTo(3);
        }
      } finally {
        sql.createStatement()
            .execute("DROP TABLE IF EXISTS cli_users_" + suffix + ", cli_orders_" + suffix);
      }
    }
  }

  @Test
  void listShowsEveryJobWithItsParameters() {
    Outcome o = jobline("list");
    assertThat(o.code()).isZero();
    assertThat(o.out())
        .contains("settlement")
        .contains("--params period: string, required")
        .contains("sleep")
        .contains("bi-export")
        .contains("--params target_type")
        .contains("cleanup_job_runs");
  }

  @Test
  void runsAndSchedulesCommandsTalkToARunningApi() throws Exception {
    String api = SharedStandalone.get().apiUrl();
    Http http = new Http(api);
    String runId =
        http.post("/jobs/run/sleep", "{\"tenant_id\":\"cli\",\"params\":{\"seconds\":2}}")
            .body()
            .path("run_id")
            .asText();

    Outcome follow = jobline("runs", "follow", runId, "--api-url", api, "--token", Http.TEST_TOKEN);
    assertThat(follow.code()).isZero();
    assertThat(follow.err())
        .contains("Slept 2 of 2 s")
        .contains("100%")
        .contains(runId + ": completed");

    Outcome list =
        jobline("runs", "list", "--tenant", "cli", "--api-url", api, "--token", Http.TEST_TOKEN);
    assertThat(list.code()).isZero();
    assertThat(list.out()).contains(runId).contains("completed");
    Outcome show =
        jobline("runs", "show", runId, "--json", "--api-url", api, "--token", Http.TEST_TOKEN);
    assertThat(Json.mapper().readTree(show.out()).path("status").asText()).isEqualTo("completed");
    assertThat(jobline("runs", "logs", runId, "--api-url", api, "--token", Http.TEST_TOKEN).out())
        .contains("Slept 1 of 2 s");
    assertThat(jobline("runs", "retry", runId, "--api-url", api, "--token", Http.TEST_TOKEN).code())
        .isEqualTo(1);
    assertThat(jobline("runs", "show", "nope", "--api-url", api, "--token", Http.TEST_TOKEN).code())
        .isEqualTo(2);
    assertThat(jobline("runs", "list", "--api-url", api, "--token", "wrong").code()).isEqualTo(1);

    http.post(
        "/jobs/schedules",
        "{\"job_name\":\"cli-schedule\",\"job_type\":\"noop\",\"cron_expression\":\"0 3 * * *\"}");
    assertThat(jobline("schedules", "list", "--api-url", api, "--token", Http.TEST_TOKEN).out())
        .contains("cli-schedule");
    assertThat(
            jobline(
                    "schedules",
                    "pause",
                    "cli-schedule",
                    "--api-url",
                    api,
                    "--token",
                    Http.TEST_TOKEN)
                .out())
        .contains("paused");
    assertThat(
            jobline(
                    "schedules",
                    "resume",
                    "cli-schedule",
                    "--api-url",
                    api,
                    "--token",
                    Http.TEST_TOKEN)
                .out())
        .contains(" on ");
    assertThat(
            jobline(
                    "schedules",
                    "show",
                    "cli-schedule",
                    "--api-url",
                    api,
                    "--token",
                    Http.TEST_TOKEN)
                .out())
        .contains("next:");
    Outcome trigger =
        jobline(
            "schedules", "trigger", "cli-schedule", "--api-url", api, "--token", Http.TEST_TOKEN);
    assertThat(trigger.out()).contains("queued");
  }
}
