package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.databind.JsonNode;
import io.dropwizard.core.server.SimpleServerFactory;
import io.dropwizard.jetty.HttpConnectorFactory;
import io.jobline.embedded.EmbeddedKafka;
import io.jobline.embedded.EmbeddedMongo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.EnumSet;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Every role against a Kafka cluster that takes SASL_PLAINTEXT with SCRAM-SHA-256 only, configured
 * through {@code kafka.properties} as a secured cluster is; and no secret — the SASL password, the
 * JWT secret — appears in any log line, run record or error message along the way.
 */
class KafkaSecurityTest {
  private static final String KAFKA_PASSWORD = "kafka-pw-" + UUID.randomUUID();
  private static final String JWT_SECRET = "jwt-secret-" + UUID.randomUUID() + "-padding-to-32-bytes";

  /** Every log line (and its stack trace) written while it is attached. */
  static final class Captured extends AppenderBase<ILoggingEvent> {
    final ConcurrentLinkedQueue<String> lines = new ConcurrentLinkedQueue<>();

    @Override
    protected void append(ILoggingEvent e) {
      lines.add(e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : "\n" + ThrowableProxyUtil.asString(e.getThrowableProxy())));
    }
  }

  @Test
  void everyRoleWorksOverSaslScramAndNoSecretReachesALogARunOrAnError() throws Exception {
    Path dir = Files.createTempDirectory("sasl-");
    JoblineConfiguration config = Launcher.loadResource("jobline-standalone.yml");
    Launcher.configureLogging(config);
    Captured captured = new Captured();
    Logger root = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    captured.setContext(root.getLoggerContext());
    captured.start();
    root.addAppender(captured);
    EmbeddedKafka kafka = EmbeddedKafka.startScram(dir.resolve("kafka"), 0, 0, "jobline", KAFKA_PASSWORD);
    EmbeddedMongo mongo = EmbeddedMongo.start(null, 0);
    Launcher.Running running = null;
    try {
      config.kafka.bootstrapServers = kafka.bootstrapServers();
      config.kafka.properties = Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "SCRAM-SHA-256",
          "sasl.jaas.config", jaas("jobline", KAFKA_PASSWORD));
      config.mongo.uri = mongo.uri();
      config.history.stateDir = dir.resolve("streams").toString();
      config.auth.jwt.hs256Secret = JWT_SECRET;
      config.auth.devToken = Http.TEST_TOKEN;
      ((HttpConnectorFactory) ((SimpleServerFactory) config.getServerFactory()).getConnector()).setPort(0);
      running = Launcher.start(new JoblineApplication(EnumSet.allOf(Role.class), Clock.systemUTC()), config);
      Http http = new Http("http://localhost:" + running.port());

      String runId = http.post("/jobs/run/settlement", "{\"tenant_id\":\"t1\",\"params\":{\"period\":\"2026-03\"}}")
          .body().path("run_id").asText();
      JsonNode run = EndToEndTest.awaitRun(http, runId, "completed");
      assertThat(run.path("result").path("processed").asInt()).isEqualTo(100);
      Http.Reply refused = new Http("http://localhost:" + running.port(), "forged." + JWT_SECRET + ".token").get("/jobs");
      assertThat(refused.status()).isEqualTo(401);

      Map<String, Object> wrong = config.kafka.clientProperties();
      wrong.put("sasl.jaas.config", jaas("jobline", "wrong-" + KAFKA_PASSWORD));
      try (Admin admin = Admin.create(wrong)) {
        assertThatThrownBy(() -> admin.describeCluster().nodes().get(20, TimeUnit.SECONDS))
            .satisfies(e -> assertThat(String.valueOf(e) + e.getCause()).contains("Authentication failed")
                .doesNotContain(KAFKA_PASSWORD));
      }

      for (String secret : new String[] {KAFKA_PASSWORD, JWT_SECRET}) {
        assertThat(run.toString()).doesNotContain(secret);
        assertThat(refused.body().toString()).doesNotContain(secret);
        assertThat(captured.lines).isNotEmpty().noneMatch(line -> line.contains(secret));
      }
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
    return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
        + "\" password=\"" + password + "\";";
  }
}
