package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.jobline.run.RunRecord;
import io.jobline.store.MongoRunStore;
import io.jobline.testkit.TestRuns;
import io.jobline.topic.Topics;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EndToEndTest {
  private static Standalone standalone;
  private static Http http;

  @BeforeAll
  static void start() {
    standalone = SharedStandalone.get();
    http = new Http(standalone.apiUrl());
  }

  static JsonNode awaitRun(Http http, String runId, String status) {
    JsonNode[] run = new JsonNode[1];
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              Http.Reply r = http.get("/jobs/runs/" + runId);
              run[0] = r.body();
              return r.status() == 200 && status.equals(r.body().path("status").asText());
            });
    return run[0];
  }

  @Test
  void aRunSubmittedOverRestCompletesWithResultAndLogs() {
    Http.Reply accepted =
        http.post(
            "/jobs/run/settlement", "{\"tenant_id\":\"t1\",\"params\":{\"period\":\"2026-03\"}}");

    assertThat(accepted.status()).isEqualTo(202);
    String runId = accepted.body().path("run_id").asText();
    JsonNode run = awaitRun(http, runId, "completed");
    assertThat(run.path("job_name").asText()).isEqualTo("settlement");
    assertThat(run.path("run_id").asText()).isEqualTo(runId);
    assertThat(run.path("tenant_id").asText()).isEqualTo("t1");
    assertThat(run.path("started_at").asText()).isNotEmpty();
    assertThat(run.path("completed_at").asText()).isNotEmpty();
    assertThat(run.path("duration_seconds").isNumber()).isTrue();
    assertThat(run.path("result"))
        .isEqualTo(Json.object().put("period", "2026-03").put("processed", 100));
    List<String> messages = new ArrayList<>();
    run.path("logs").forEach(l -> messages.add(l.path("message").asText()));
    assertThat(messages).contains("Starting settlement for 2026-03", "Processed batch 4 of 4");
    assertThat(run.path("logs").get(1).path("percentage").asInt()).isEqualTo(25);
  }

  @Test
  void aFailedAttemptWithARetryToComeNeverReadsAsTheRunsEnd() {
    // fails once, retried after about two seconds
    String runId =
        http.post(
                "/jobs/run/flaky",
                "{\"tenant_id\":\"t1\",\"retry_backoff_seconds\":2,\"params\":{\"failures\":1}}")
            .body()
            .path("run_id")
            .asText();
    List<String> seen = new ArrayList<>();
    JsonNode[] last = new JsonNode[1];
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              Http.Reply r = http.get("/jobs/runs/" + runId);
              if (r.status() != 200) {
                return false;
              }
              last[0] = r.body();
              String status = r.body().path("status").asText();
              seen.add(status + (r.body().has("next_attempt") ? "+next" : ""));
              return status.equals("completed");
            });
    assertThat(seen).as("read between attempts").doesNotContain("failed");
    JsonNode first = last[0].path("attempts").get(0);
    assertThat(first.path("status").asText()).isEqualTo("failed");
    assertThat(first.path("retry_at").asText()).as("its end said a retry follows").isNotEmpty();
    assertThat(Instant.parse(last[0].path("attempts").get(1).path("started_at").asText()))
        .isAfterOrEqualTo(Instant.parse(first.path("retry_at").asText()).minusMillis(50));
    assertThat(last[0].has("next_attempt")).isFalse();
  }

  @Test
  void aRunWaitingForItsRetryIsCancelledWithItsNextAttemptAndIsNotRetriedTwice() {
    // stored as history stores a failed attempt whose end said attempt 2 follows in an hour
    String runId = "between-attempts-" + UUID.randomUUID();
    Instant due = Instant.now().plusSeconds(3600).truncatedTo(ChronoUnit.MILLIS);
    RunRecord failed = TestRuns.failedWithRetryDue(RunId.of(runId), "flaky", due);
    try (MongoClient mongo = MongoClients.create(standalone.mongoUri())) {
      new MongoRunStore(mongo.getDatabase(standalone.config().mongo.database), Clock.systemUTC())
          .upsertAll(List.of(failed));
    }
    JsonNode shown = http.get("/jobs/runs/" + runId).body();
    assertThat(shown.path("next_attempt").path("attempt").asInt()).isEqualTo(2);
    assertThat(Instant.parse(shown.path("next_attempt").path("due_at").asText())).isEqualTo(due);

    // and once history folded the retry's announcement, while the run reads retrying
    String waiting = "retrying-" + UUID.randomUUID();
    try (MongoClient mongo = MongoClients.create(standalone.mongoUri())) {
      new MongoRunStore(mongo.getDatabase(standalone.config().mongo.database), Clock.systemUTC())
          .upsertAll(List.of(TestRuns.retryingWithRetryDue(RunId.of(waiting), "flaky", due)));
    }
    JsonNode retrying = http.get("/jobs/runs/" + waiting).body();
    assertThat(retrying.path("status").asText()).isEqualTo("retrying");
    assertThat(retrying.path("next_attempt").path("attempt").asInt()).isEqualTo(2);
    assertThat(Instant.parse(retrying.path("next_attempt").path("due_at").asText())).isEqualTo(due);

    Http.Reply retry = http.post("/jobs/runs/" + runId + "/retry", null);
    assertThat(retry.status()).isEqualTo(409);
    assertThat(retry.body().path("detail").asText()).contains("attempt 2 is due at " + due);
    Http.Reply cancel = http.post("/jobs/runs/" + runId + "/cancel", null);
    assertThat(cancel.status()).as(cancel.body().toString()).isEqualTo(202);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                http.get("/jobs/audit?target_type=run&target=" + runId)
                    .body()
                    .path("entries")
                    .findValuesAsText("action")
                    .contains("cancel"));
    assertThat(
            http.get("/jobs/audit?target_type=run&target=" + runId)
                .body()
                .path("entries")
                .get(0)
                .path("details")
                .path("attempt")
                .asInt())
        .as("the attempt cancelled is the one to come")
        .isEqualTo(2);
  }

  @Test
  void theCatalogueListsTheExampleJobs() {
    Http.Reply jobs = http.get("/jobs");
    List<String> names = new ArrayList<>();
    jobs.body().forEach(j -> names.add(j.path("name").asText()));
    assertThat(names).contains("settlement", "noop", "sleep");
    assertThat(
            http.get("/jobs/settlement")
                .body()
                .path("params_schema")
                .path("required")
                .get(0)
                .asText())
        .isEqualTo("period");
  }

  @Test
  void theSleepJobCompletesWithItsResult() {
    String runId =
        http.post("/jobs/run/sleep", "{\"params\":{\"seconds\":0}}").body().path("run_id").asText();
    JsonNode run = awaitRun(http, runId, "completed");
    assertThat(run.path("result").path("stopped_early").asBoolean()).isFalse();
  }

  @Test
  void healthChecksTestTheRealDependencies() {
    Http.Reply health = http.get("/admin/healthcheck");
    assertThat(health.status()).isEqualTo(200);
    assertThat(health.body().fieldNames())
        .toIterable()
        .contains("kafka", "mongo", "executor", "history-streams", "scheduler");
    health.body().forEach(check -> assertThat(check.path("healthy").asBoolean()).isTrue());
  }

  @Test
  void metricsAreServedInPrometheusTextFormat() throws Exception {
    var client = HttpClient.newHttpClient();
    var response =
        client.send(
            HttpRequest.newBuilder(URI.create(standalone.apiUrl() + "/admin/prometheus")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("# TYPE jobline_executor_runs_started gauge");
  }

  @Test
  void poisonRecordsGoToTheDeadLetterTopicWithTheirReasonAndTheNextRecordStillRuns()
      throws Exception {
    Map<String, Object> props = standalone.config().kafka.clientProperties();
    String good = UUID.randomUUID().toString();
    try (var producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      send(producer, "t-dlq", "this is not json");
      send(producer, "t-dlq", "{\"run_id\":\"poison-unknown\",\"job_name\":\"no-such-job\"}");
      send(producer, "t-dlq", "{\"run_id\":\"poison-missing\",\"tenant_id\":\"t-dlq\"}");
      send(
          producer,
          "t-dlq",
          "{\"run_id\":\"poison-params\",\"job_name\":\"settlement\",\"params\":{\"period\":\"March\"}}");
      send(
          producer,
          "t-dlq",
          "{\"run_id\":\"" + good + "\",\"job_name\":\"noop\",\"tenant_id\":\"t-dlq\"}");
      producer.flush();
    }

    awaitRun(http, good, "completed");
    List<String> reasons = deadLetterReasons(props, 4);
    assertThat(reasons)
        .anyMatch(r -> r.startsWith("unparseable"))
        .anyMatch(r -> r.equals("unknown job 'no-such-job'"))
        .anyMatch(r -> r.equals("missing field job_name"))
        .anyMatch(r -> r.startsWith("invalid params: $.period"));
    assertThat(awaitRun(http, "poison-unknown", "failed").path("error").asText())
        .isEqualTo("unknown job 'no-such-job'");
    JsonNode badParams = awaitRun(http, "poison-params", "failed");
    assertThat(badParams.path("error").asText()).startsWith("invalid params: $.period");
    assertThat(badParams.path("started_at").isNull()).isTrue();
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, String key, String value) {
    producer.send(
        new ProducerRecord<>(
            Topics.REQUESTS.name(),
            key.getBytes(StandardCharsets.UTF_8),
            value.getBytes(StandardCharsets.UTF_8)));
  }

  private static List<String> deadLetterReasons(Map<String, Object> props, int atLeast) {
    Map<String, Object> c = new HashMap<>(props);
    c.put(ConsumerConfig.GROUP_ID_CONFIG, "dlq-test-" + UUID.randomUUID());
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<String> reasons = new ArrayList<>();
    try (var consumer =
        new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(Topics.REQUESTS_DLQ.name()));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                  reasons.add(
                      new String(
                          r.headers().lastHeader(Topics.DLQ_REASON_HEADER).value(),
                          StandardCharsets.UTF_8));
                }
                return reasons.size() >= atLeast;
              });
    }
    return reasons;
  }
}
