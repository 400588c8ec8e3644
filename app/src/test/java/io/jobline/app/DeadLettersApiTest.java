package io.jobline.app;

import static io.jobline.app.HostileInputTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobline.history.DirectDeadLetters;
import io.jobline.topic.Topics;
import io.jobline.wire.RunId;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code /jobs/dead-letters}: what the executor refused, listed with its reason, and redriven by an
 * admin.
 */
class DeadLettersApiTest {
  private static Standalone standalone;
  private static Http admin;

  @BeforeAll
  static void start() {
    standalone = SharedStandalone.get();
    admin = new Http(standalone.apiUrl());
  }

  /**
   * Produces {@code json} to jobline.requests keyed by {@code tenant}; the run id the executor
   * gives it.
   */
  static String produce(String tenant, String json) throws Exception {
    RecordMetadata m;
    try (var producer =
        new KafkaProducer<>(
            SharedStandalone.get().config().kafka.clientProperties(),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      m =
          producer
              .send(
                  new ProducerRecord<>(
                      Topics.REQUESTS.name(),
                      tenant.getBytes(StandardCharsets.UTF_8),
                      json.getBytes(StandardCharsets.UTF_8)))
              .get();
    }
    return RunId.forRecord(Topics.REQUESTS.name(), m.partition(), m.offset()).value();
  }

  /** Waits until {@code tenant} has {@code count} dead letters and returns them, newest first. */
  static JsonNode awaitDeadLetters(Http http, String tenant, int count) {
    JsonNode[] page = new JsonNode[1];
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              page[0] = http.get("/jobs/dead-letters?tenant=" + tenant).body().path("dead_letters");
              return page[0].size() >= count;
            });
    return page[0];
  }

  @Test
  void aRefusedRequestIsListedWithItsReasonAndACorrectedRedriveRunsItToTheEnd() throws Exception {
    String tenant = "dl-" + UUID.randomUUID();
    String runId =
        produce(
            tenant,
            "{\"job_name\":\"settlement\",\"tenant_id\":\""
                + tenant
                + "\",\"params\":{\"period\":\"2026-13\"}}");
    JsonNode letter = awaitDeadLetters(admin, tenant, 1).get(0);
    assertThat(letter.path("topic").asText()).isEqualTo("jobline.requests.dlq");
    assertThat(letter.path("reason").asText()).startsWith("invalid params");
    assertThat(letter.path("source_topic").asText()).isEqualTo("jobline.requests");
    assertThat(letter.path("offset").isIntegralNumber()).isTrue();
    assertThat(letter.path("time").asText()).isNotEmpty();
    assertThat(letter.path("record").path("params").path("period").asText()).isEqualTo("2026-13");
    assertThat(letter.path("redriven").asBoolean()).isFalse();
    assertThat(letter.path("run_id").asText())
        .as("the run the executor ended failed")
        .isEqualTo(runId);
    assertThat(letter.path("run_outcome").asText()).isEqualTo("failed");
    String id = letter.path("id").asText();
    EndToEndTest.awaitRun(admin, runId, "failed");

    assertProblem(
        admin.post("/jobs/dead-letters/" + id + "/redrive", null), 409, "record.params", null);
    Http.Reply redriven =
        admin.post(
            "/jobs/dead-letters/" + id + "/redrive",
            "{\"record\":{\"job_name\":\"settlement\","
                + "\"tenant_id\":\""
                + tenant
                + "\",\"params\":{\"period\":\"2026-03\"}}}");

    assertThat(redriven.status()).isEqualTo(202);
    assertThat(redriven.body().path("run_id").asText()).isEqualTo(runId);
    assertThat(redriven.body().path("attempt").asInt()).isEqualTo(2);
    JsonNode run = EndToEndTest.awaitRun(admin, runId, "completed");
    assertThat(run.path("result").path("period").asText()).isEqualTo("2026-03");
    JsonNode after = admin.get("/jobs/dead-letters/" + id).body();
    assertThat(after.path("redriven").asBoolean()).isTrue();
    assertThat(after.path("redrives").get(0).path("by").asText()).isEqualTo("development");
    assertThat(after.path("redrives").get(0).path("corrected").asBoolean()).isTrue();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                admin
                    .get("/jobs/audit?target_type=dead_letter&target=" + id)
                    .body()
                    .path("entries")
                    .toString()
                    .contains("\"action\":\"redrive\""));
  }

  @Test
  void aRecordWithoutJobNameIsRedrivenCorrectedAsTheNextAttemptOfTheRunTheExecutorEnded()
      throws Exception {
    String tenant = "dl-" + UUID.randomUUID();
    String runId = produce(tenant, "{\"tenant_id\":\"" + tenant + "\"}"); // no job_name
    JsonNode letter = awaitDeadLetters(admin, tenant, 1).get(0);
    assertThat(letter.path("reason").asText()).contains("job_name");
    assertThat(letter.path("run_id").asText()).isEqualTo(runId);
    assertThat(letter.path("run_outcome").asText()).isEqualTo("failed");
    String id = letter.path("id").asText();
    EndToEndTest.awaitRun(admin, runId, "failed");
    assertProblem(
        admin.post("/jobs/dead-letters/" + id + "/redrive", ""),
        409,
        "record.job_name",
        "job_name");

    Http.Reply r =
        admin.post(
            "/jobs/dead-letters/" + id + "/redrive",
            "{\"record\":{\"job_name\":\"noop\",\"tenant_id\":\"" + tenant + "\"}}");
    assertThat(r.status()).isEqualTo(202);
    assertThat(r.body().path("run_id").asText()).isEqualTo(runId);
    assertThat(EndToEndTest.awaitRun(admin, runId, "completed").path("attempt").asInt())
        .isEqualTo(2);
  }

  @Test
  void aRecordThatCannotBeReadEndsNoRunAndIsRedrivenCorrectedAsItsFirstAttemptAtOnce()
      throws Exception {
    // found by review: the executor fails no run for a record it cannot read an id from, so
    // history never shows one, and its redrive answered "not in the history yet; try again in a
    // moment" for good
    String tenant = "dl-" + UUID.randomUUID();
    String runId = produce(tenant, "{\"tenant_id\":\"" + tenant + "\",\"job_name\":\"noop\"");
    JsonNode letter = awaitDeadLetters(admin, tenant, 1).get(0);
    assertThat(letter.path("reason").asText()).startsWith("unparseable");
    assertThat(letter.path("run_id").asText()).isEqualTo(runId);
    assertThat(letter.path("run_outcome").asText()).isEqualTo("none");
    String id = letter.path("id").asText();

    Http.Reply r =
        admin.post(
            "/jobs/dead-letters/" + id + "/redrive",
            "{\"record\":{\"job_name\":\"noop\",\"tenant_id\":\"" + tenant + "\"}}");
    assertThat(r.status()).as(r.body().toString()).isEqualTo(202);
    assertThat(r.body().path("run_id").asText()).isEqualTo(runId);
    assertThat(r.body().path("attempt").asInt()).isEqualTo(1);
    JsonNode run = EndToEndTest.awaitRun(admin, runId, "completed");
    assertThat(run.path("attempt").asInt()).isEqualTo(1);
    assertProblem(
        admin.post(
            "/jobs/dead-letters/" + id + "/redrive",
            "{\"record\":{\"job_name\":\"noop\",\"tenant_id\":\"" + tenant + "\"}}"),
        409,
        "record.run_id",
        null);
  }

  @Test
  void aDeadLetterWhoseRunTheCleanupRemovedIsRefusedSayingSoNotAskedToWait() throws Exception {
    // found by review: once the cleanup removed the run it ended failed, the redrive answered
    // "not in the history yet; try again in a moment" for good; sent as attempt 1 (a first fix),
    // history's state of the run, kept longer, took it for a stale attempt and it ran unseen
    String tenant = "dl-" + UUID.randomUUID();
    String runId = "removed-" + UUID.randomUUID();
    ProducerRecord<byte[], byte[]> old =
        new ProducerRecord<>(
            Topics.REQUESTS_DLQ.name(),
            null,
            System.currentTimeMillis() - Duration.ofDays(2).toMillis(),
            tenant.getBytes(StandardCharsets.UTF_8),
            ("{\"run_id\":\""
                    + runId
                    + "\",\"job_name\":\"noop\",\"tenant_id\":\""
                    + tenant
                    + "\"}")
                .getBytes(StandardCharsets.UTF_8));
    old.headers()
        .add(Topics.DLQ_REASON_HEADER, "unknown job 'noop'".getBytes(StandardCharsets.UTF_8));
    old.headers()
        .add(Topics.DLQ_SOURCE_HEADER, "jobline.requests/0/3".getBytes(StandardCharsets.UTF_8));
    old.headers().add(Topics.DLQ_RUN_HEADER, "failed".getBytes(StandardCharsets.UTF_8));
    try (var producer =
        new KafkaProducer<>(
            standalone.config().kafka.clientProperties(),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      producer.send(old).get();
    }
    JsonNode letter = awaitDeadLetters(admin, tenant, 1).get(0);
    assertThat(letter.path("run_outcome").asText()).isEqualTo("failed");
    assertThat(admin.get("/jobs/runs/" + runId).status()).isEqualTo(404);

    assertProblem(
        admin.post("/jobs/dead-letters/" + letter.path("id").asText() + "/redrive", ""),
        409,
        "record.run_id",
        "no longer in the history");
  }

  @Test
  void aSecretInTheRecordIsNeitherKeptNorShownAndARedriveMustGiveItAgain() throws Exception {
    String tenant = "dl-" + UUID.randomUUID();
    String runId =
        produce(
            tenant,
            "{\"job_name\":\"no-such-job\",\"tenant_id\":\""
                + tenant
                + "\",\"params\":{\"dsn\":"
                + "\"postgresql://bi:hunter2@db/bi\",\"password\":\"hunter2\"}}");
    JsonNode letter = awaitDeadLetters(admin, tenant, 1).get(0);
    EndToEndTest.awaitRun(
        admin, runId, "failed"); // a redrive waits for history to have the refused run
    assertThat(letter.toString()).doesNotContain("hunter2");
    assertThat(letter.path("record").path("params").path("password").asText())
        .isEqualTo("[redacted]");
    String id = letter.path("id").asText();

    assertProblem(
        admin.post(
            "/jobs/dead-letters/" + id + "/redrive",
            "{\"record\":" + letter.path("record").toString().replace("no-such-job", "noop") + "}"),
        400,
        "record.params",
        "secret");
    Http.Reply r =
        admin.post(
            "/jobs/dead-letters/" + id + "/redrive",
            "{\"record\":{\"job_name\":\"noop\",\"tenant_id\":\""
                + tenant
                + "\",\"params\":{\"password\":\"hunter2\"}}}");
    assertThat(r.status()).isEqualTo(202);
    EndToEndTest.awaitRun(admin, r.body().path("run_id").asText(), "completed");
    assertThat(admin.get("/jobs/dead-letters/" + id).body().toString()).doesNotContain("hunter2");
  }

  @Test
  void aRunHistorySetsAsideAsItCommitsIsListedFromWhatItSentBeforeTheCommit() {
    // history sends these itself, acknowledged before its commit (a forward went with the next
    // transaction, lost if history stopped before that one): the real producer, the recorder, the
    // api
    String tenant = "dl-" + UUID.randomUUID();
    String runId = UUID.randomUUID().toString();
    Record<String, byte[]> setAside =
        new Record<>(
            runId,
            ("{\"run_id\":\""
                    + runId
                    + "\",\"job_name\":\"noop\",\"tenant_id\":\""
                    + tenant
                    + "\",\"status\":\"completed\"}")
                .getBytes(StandardCharsets.UTF_8),
            System.currentTimeMillis());
    setAside
        .headers()
        .add(
            Topics.DLQ_REASON_HEADER,
            "history could not store this run: refused".getBytes(StandardCharsets.UTF_8));
    setAside.headers().add(Topics.DLQ_SOURCE_HEADER, "history".getBytes(StandardCharsets.UTF_8));
    try (DirectDeadLetters direct = new DirectDeadLetters(standalone.config().kafka)) {
      direct.accept(List.of(setAside));
    }

    JsonNode letter = awaitDeadLetters(admin, tenant, 1).get(0);
    assertThat(letter.path("topic").asText()).isEqualTo(Topics.HISTORY_DLQ.name());
    assertThat(letter.path("reason").asText())
        .isEqualTo("history could not store this run: refused");
    assertThat(letter.path("run_id").asText()).isEqualTo(runId);
  }

  @Test
  void badInputIsAProblemNamingTheField() throws Exception {
    String tenant = "dl-" + UUID.randomUUID();
    produce(tenant, "{\"job_name\":\"no-such-job\",\"tenant_id\":\"" + tenant + "\"}");
    String id = awaitDeadLetters(admin, tenant, 1).get(0).path("id").asText();
    String redrive = "/jobs/dead-letters/" + id + "/redrive";

    assertProblem(admin.post(redrive, null), 409, "record.job_name", "no-such-job");
    assertProblem(admin.post(redrive, "{\"recrd\":{}}"), 400, "recrd", null);
    assertProblem(admin.post(redrive, "{\"record\":[1]}"), 400, "record", null);
    assertProblem(
        admin.post(
            redrive, "{\"record\":{\"job_name\":\"settlement\",\"params\":{\"period\":\"x\"}}}"),
        400,
        "record.params",
        null);
    assertProblem(
        admin.post(redrive, "{\"record\":{\"job_name\":\"settlement\",\"attempt\":\"two\"}}"),
        400,
        "record.attempt",
        null);
    assertProblem(
        admin.post(redrive, "{\"record\":{\"params\":{}}}"), 400, "record.job_name", null);
    // found by review: a corrected record could name any run id, and took over a run nobody had
    // started yet (a schedule's next fire, another tenant's), whose real outcome was then ignored
    assertProblem(
        admin.post(
            redrive,
            "{\"record\":{\"job_name\":\"noop\",\"tenant_id\":\""
                + tenant
                + "\",\"run_id\":\"nightly-2030\"}}"),
        400,
        "record.run_id",
        "dead letter's run");
    assertProblem(
        admin.post(redrive, "{\"record\":{\"job_name\":\"noop\",\"tenant_id\":\" \"}}"),
        400,
        "record.tenant_id",
        null);
    assertProblem(
        admin.post(
            redrive,
            "{\"record\":{\"job_name\":\"noop\",\"params\":{\"x\":\""
                + "y".repeat(70_000)
                + "\"}}}"),
        400,
        "record.params",
        "65536 bytes");
    assertProblem(
        admin.post(redrive, "{\"record\":{\"job_name\":\"noop\",\"params\":[1,2]}}"),
        400,
        "record.params",
        "JSON object");
    // found by review: a trigger name of a megabyte was answered 500 (after the run was told it
    // went on), and one of 200 KB 202, then refused by the executor as too large
    assertProblem(
        admin.post(
            redrive,
            "{\"record\":{\"job_name\":\"noop\",\"trigger\":{\"type\":\"schedule\",\"schedule\":\""
                + "s".repeat(200_000)
                + "\"}}}"),
        400,
        "record.trigger",
        "at most 512");
    assertProblem(
        admin.post(
            redrive,
            "{\"record\":{\"job_name\":\"noop\",\"parent_run_id\":\"" + "p".repeat(600) + "\"}}"),
        400,
        "record.parent_run_id",
        "at most 512");
    assertProblem(admin.post("/jobs/dead-letters/no-such-letter/redrive", null), 404, null, null);
    assertProblem(admin.get("/jobs/dead-letters?limit=abc"), 400, "limit", null);
    assertProblem(admin.get("/jobs/dead-letters?topic=jobline.requests"), 400, "topic", null);
    assertProblem(admin.get("/jobs/dead-letters?cursor=nonsense"), 400, "cursor", null);
    assertThat(admin.get("/jobs/dead-letters/" + id).body().path("redriven").asBoolean()).isFalse();
  }

  @Test
  void pagesFollowTheCursorWithoutRepeats() throws Exception {
    String tenant = "dl-" + UUID.randomUUID();
    for (int i = 0; i < 3; i++) {
      produce(tenant, "{\"job_name\":\"no-such-job-" + i + "\",\"tenant_id\":\"" + tenant + "\"}");
    }
    awaitDeadLetters(admin, tenant, 3);
    Set<String> seen = new HashSet<>();
    List<Integer> sizes = new ArrayList<>();
    for (JsonNode page : admin.pages("/jobs/dead-letters?tenant=" + tenant + "&limit=2")) {
      page.path("dead_letters").forEach(d -> assertThat(seen.add(d.path("id").asText())).isTrue());
      sizes.add(page.path("dead_letters").size());
    }
    assertThat(seen).hasSize(3);
    assertThat(sizes).startsWith(2);
  }

  @Test
  void aTenantBoundTokenSeesItsOwnDeadLettersOnlyAndOnlyAnAdminRedrives() throws Exception {
    String other = "dl-other-" + UUID.randomUUID();
    produce("acme", "{\"job_name\":\"no-such-job\",\"tenant_id\":\"acme\"}");
    produce(other, "{\"job_name\":\"no-such-job\",\"tenant_id\":\"" + other + "\"}");
    String otherId = awaitDeadLetters(admin, other, 1).get(0).path("id").asText();
    Http acmeAdmin = new Http(standalone.apiUrl(), "acme-admin-key");
    Http acmeOperator = new Http(standalone.apiUrl(), "acme-key");
    JsonNode mine = awaitDeadLetters(acmeAdmin, "acme", 1);

    // each letter's own tenant, not tenant_id fields inside the refused records it carries
    List<String> tenants = new ArrayList<>();
    acmeAdmin
        .get("/jobs/dead-letters?limit=500")
        .body()
        .path("dead_letters")
        .forEach(d -> tenants.add(d.path("tenant_id").asText()));
    assertThat(tenants).isNotEmpty().containsOnly("acme");
    assertThat(
            acmeAdmin.get("/jobs/dead-letters?tenant=" + other).body().path("dead_letters").size())
        .isZero();
    assertProblem(acmeAdmin.get("/jobs/dead-letters/" + otherId), 404, null, null);
    assertProblem(
        acmeAdmin.post("/jobs/dead-letters/" + otherId + "/redrive", null), 404, null, null);
    assertProblem(
        acmeOperator.post(
            "/jobs/dead-letters/" + mine.get(0).path("id").asText() + "/redrive", null),
        403,
        "Authorization",
        "admin");
    assertProblem(
        acmeAdmin.post(
            "/jobs/dead-letters/" + mine.get(0).path("id").asText() + "/redrive",
            "{\"record\":{\"job_name\":\"noop\",\"tenant_id\":\"" + other + "\"}}"),
        403,
        "tenant_id",
        null);
    assertThat(new Http(standalone.apiUrl(), "viewer-key").get("/jobs/dead-letters").status())
        .isEqualTo(200);
  }
}
