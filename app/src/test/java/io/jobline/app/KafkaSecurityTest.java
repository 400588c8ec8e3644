package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.MongoClients;
import io.dropwizard.core.server.SimpleServerFactory;
import io.dropwizard.jetty.HttpConnectorFactory;
import io.jobline.embedded.EmbeddedKafka;
import io.jobline.embedded.EmbeddedMongo;
import io.jobline.wire.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.awaitility.Awaitility;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Every role against a Kafka cluster that takes SASL_PLAINTEXT with SCRAM-SHA-256 only, configured
 * through {@code kafka.properties} as a secured cluster is; and no secret — the SASL password, the
 * JWT secret, a password in a job's connection string or in the Mongo URI — appears in any log
 * line, run record, schedule or error message along the way.
 */
class KafkaSecurityTest {
  private static final String KAFKA_PASSWORD = "kafka-pw-" + UUID.randomUUID();
  private static final String JWT_SECRET =
      "jwt-secret-" + UUID.randomUUID() + "-padding-to-32-bytes";
  private static final String PG_PASSWORD = "pg-pw-" + UUID.randomUUID();
  private static final String SQL_PASSWORD = "sql-pw-" + UUID.randomUUID();
  private static final String MONGO_PASSWORD = "mongo-pw-" + UUID.randomUUID();

  /** Every log line (and its stack trace) written while it is attached. */
  static final class Captured extends AppenderBase<ILoggingEvent> {
    final ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();

    @Override
    protected void append(ILoggingEvent e) {
      lines.add(
          e.getFormattedMessage()
              + (e.getThrowableProxy() == null
                  ? ""
                  : "\n" + ThrowableProxyUtil.asString(e.getThrowableProxy())));
    }
  }

  @Test
  void everyRoleWorksOverSaslScramAndNoSecretReachesALogARunOrAnError() throws Exception {
    Path dir = Files.createTempDirectory("sasl-");
    JoblineConfiguration config = Launcher.loadResource("jobline-standalone.yml");
    Launcher.configureLogging(config);
    Captured captured = new Captured();
    Logger root =
        ((LoggerContext) LoggerFactory.getILoggerFactory())
            .getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    captured.setContext(root.getLoggerContext());
    captured.start();
    root.addAppender(captured);
    EmbeddedKafka kafka =
        EmbeddedKafka.startScram(dir.resolve("kafka"), 0, 0, "jobline", KAFKA_PASSWORD);
    EmbeddedMongo mongo = EmbeddedMongo.start(null, 0);
    Launcher.Running running = null;
    try {
      config.kafka.bootstrapServers = kafka.bootstrapServers();
      config.kafka.properties =
          Map.of(
              "security.protocol",
              "SASL_PLAINTEXT",
              "sasl.mechanism",
              "SCRAM-SHA-256",
              "sasl.jaas.config",
              jaas("jobline", KAFKA_PASSWORD));
      config.mongo.uri = mongo.uri();
      config.history.stateDir = dir.resolve("streams").toString();
      config.auth.jwt.hs256Secret = JWT_SECRET;
      config.auth.devToken = Http.TEST_TOKEN;
      config.jobs.builtins.biExport.personalFields = Map.of("users", List.of());
      ((HttpConnectorFactory) ((SimpleServerFactory) config.getServerFactory()).getConnector())
          .setPort(0);
      running =
          Launcher.start(
              new JoblineApplication(EnumSet.allOf(Role.class), Clock.systemUTC()), config);
      Http http = new Http("http://localhost:" + running.port());

      String runId =
          http.post(
                  "/jobs/run/settlement",
                  "{\"tenant_id\":\"t1\",\"params\":{\"period\":\"2026-03\"}}")
              .body()
              .path("run_id")
              .asText();
      JsonNode run = EndToEndTest.awaitRun(http, runId, "completed");
      assertThat(run.path("result").path("processed").asInt()).isEqualTo(100);
      Http.Reply refused =
          new Http("http://localhost:" + running.port(), "forged." + JWT_SECRET + ".token")
              .get("/jobs");
      assertThat(refused.status()).isEqualTo(401);

      Map<String, Object> wrong = config.kafka.clientProperties();
      wrong.put("sasl.jaas.config", jaas("jobline", "wrong-" + KAFKA_PASSWORD));
      try (Admin admin = Admin.create(wrong)) {
        assertThatThrownBy(() -> admin.describeCluster().nodes().get(20, TimeUnit.SECONDS))
            .satisfies(
                e ->
                    assertThat(String.valueOf(e) + e.getCause())
                        .contains("Authentication failed")
                        .doesNotContain(KAFKA_PASSWORD));
      }

      // connection strings with a password, as params of a run and of a schedule (nothing listens
      // on port 1)
      List<String> shown = new ArrayList<>();
      for (String connection :
          List.of(
              "postgresql://bi:" + PG_PASSWORD + "@127.0.0.1:1/none",
              "Server=tcp:127.0.0.1,1;Database=bi;User ID=bi;Password="
                  + SQL_PASSWORD
                  + ";Encrypt=false")) {
        String params =
            Json.object()
                .put("target_type", connection.startsWith("Server") ? "azure_sql" : "postgres")
                .put("connection_string", connection)
                .set(
                    "configs",
                    Json.mapper().readTree("[{\"resource\":\"users\",\"target_table\":\"users\"}]"))
                .toString();
        String parentId =
            http.post("/jobs/run/bi-export", "{\"tenant_id\":\"t1\",\"params\":" + params + "}")
                .body()
                .path("run_id")
                .asText();
        JsonNode parent =
            EndToEndTest.awaitRun(
                http, parentId, "completed"); // bi-export fans out, a run per tenant
        shown.add(parent.toString());
        String exportId = parent.path("result").path("children").path(0).path("run_id").asText();
        JsonNode[] last = new JsonNode[1];
        Awaitility.await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(200))
            .until(
                () -> { // failed after its last attempt (bi-export retries twice)
                  last[0] = http.get("/jobs/runs/" + exportId).body();
                  return last[0].path("status").asText().equals("failed")
                      && last[0].path("attempt").asInt() == 3;
                });
        JsonNode export = last[0];
        try (var client = MongoClients.create(mongo.uri())) { // the record as history stored it
          shown.add(
              client
                  .getDatabase(config.mongo.database)
                  .getCollection("job_runs")
                  .find(new Document("_id", exportId))
                  .first()
                  .toJson());
        }
        assertThat(export.path("params").path("connection_string").asText())
            .contains("127.0.0.1")
            .contains("[redacted]");
        shown.add(export.toString());
        shown.add(http.get("/jobs/runs?job_name=bi-export").body().toString());
        Http.Reply retry = http.post("/jobs/runs/" + exportId + "/retry", "");
        assertThat(retry.status()).isEqualTo(409);
        assertThat(retry.body().path("field").asText())
            .as(retry.body().toString())
            .isEqualTo("params");
        shown.add(retry.body().toString());
        String name = "export-" + exportId.substring(0, 8);
        Http.Reply schedule =
            http.post(
                "/jobs/schedules",
                Json.object()
                    .put("job_name", name)
                    .put("job_type", "bi-export")
                    .put("cron_expression", "0 0 1 1 *")
                    .put("tenant_id", "t1")
                    .set("parameters", Json.mapper().readTree(params))
                    .toString());
        assertThat(schedule.status()).as(schedule.body().toString()).isEqualTo(201);
        shown.add(schedule.body().toString());
        shown.add(http.get("/jobs/schedules/" + name).body().toString());
        shown.add(http.get("/jobs/schedules").body().toString());
      }

      for (String secret : new String[] {KAFKA_PASSWORD, JWT_SECRET, PG_PASSWORD, SQL_PASSWORD}) {
        assertThat(run.toString()).doesNotContain(secret);
        assertThat(refused.body().toString()).doesNotContain(secret);
        assertThat(shown).noneMatch(text -> text.contains(secret));
        assertThat(captured.lines).isNotEmpty().noneMatch(line -> line.contains(secret));
      }

      // a Mongo URI with a password (the store here takes no credentials, so this role cannot
      // start)
      JoblineConfiguration withPassword = Launcher.loadResource("jobline-standalone.yml");
      withPassword.kafka = config.kafka;
      withPassword.auth.devToken = Http.TEST_TOKEN;
      withPassword.mongo.uri =
          mongo.uri().replace("mongodb://", "mongodb://jobline:" + MONGO_PASSWORD + "@")
              + (mongo.uri().contains("?") ? "&" : "/?")
              + "serverSelectionTimeoutMS=1500";
      ((HttpConnectorFactory)
              ((SimpleServerFactory) withPassword.getServerFactory()).getConnector())
          .setPort(0);
      Launcher.Running second = null;
      try {
        second =
            Launcher.start(
                new JoblineApplication(EnumSet.of(Role.API), Clock.systemUTC()), withPassword);
        shown.add(
            new Http("http://localhost:" + second.port()).get("/jobs/runs").body().toString());
      } catch (Exception e) {
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        shown.add(trace.toString());
      } finally {
        if (second != null) {
          second.close();
        }
      }
      assertThat(shown).noneMatch(text -> text.contains(MONGO_PASSWORD));
      assertThat(captured.lines).noneMatch(line -> line.contains(MONGO_PASSWORD));
    } finally {
      root.detachAppender(captured);
      if (running != null) {
        running.close();
      }
      kafka.close();
      mongo.close();
    }
  }

  private static String jaas(String user, String password) {
    return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
        + user
        + "\" password=\""
        + password
        + "\";";
  }
}
