package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobline.topic.Topics;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The fuzz suite: hostile JSON ({@link HostileJson}) against every REST route that reads a body,
 * hostile query strings and path segments, and hostile records straight to the topics. Every answer
 * is a 2xx or a 4xx problem document — never a 5xx; every request accepted reaches a status that
 * has ended; afterwards every role is healthy and a normal run completes.
 */
class FuzzTest {
  private static final Set<String> ACCEPTED_RUNS = ConcurrentHashMap.newKeySet();
  private static final Set<String> ACCEPTED_CHAIN_RUNS = ConcurrentHashMap.newKeySet();
  private static final AtomicInteger TRIED = new AtomicInteger();
  private static Http admin;
  private static String chain;
  private static String schedule;

  @BeforeContainer
  static void start() throws Exception {
    admin = new Http(SharedStandalone.get().apiUrl());
    chain = "fuzz-chain-" + UUID.randomUUID().toString().substring(0, 8);
    assertThat(
            admin
                .post(
                    "/jobs/chains",
                    "{\"name\":\""
                        + chain
                        + "\",\"steps\":[{\"job\":\"noop\"},"
                        + "{\"job\":\"noop\",\"name\":\"second\",\"depends_on\":[\"noop\"]}]}")
                .status())
        .isEqualTo(201);
    schedule = "fuzz-schedule-" + UUID.randomUUID().toString().substring(0, 8);
    assertThat(
            admin
                .post(
                    "/jobs/schedules",
                    "{\"job_name\":\""
                        + schedule
                        + "\",\"job_type\":\"noop\","
                        + "\"cron_expression\":\"0 3 1 1 *\",\"timezone\":\"UTC\"}")
                .status())
        .isEqualTo(201);
    aDeadLetter();
  }

  private static String deadLetter;

  private static void aDeadLetter() throws Exception {
    String tenant = "fuzz-dl-" + UUID.randomUUID();
    DeadLettersApiTest.produce(
        tenant, "{\"job_name\":\"no-such-job\",\"tenant_id\":\"" + tenant + "\"}");
    deadLetter = DeadLettersApiTest.awaitDeadLetters(admin, tenant, 1).get(0).path("id").asText();
  }

  /** A 2xx, or a 4xx problem+json naming what is wrong; a 5xx is a bug. */
  private static Http.Reply checked(String what, Http.Reply reply) {
    TRIED.incrementAndGet();
    assertThat(reply.status())
        .as("%s answered %s %s", what, reply.status(), reply.body())
        .isLessThan(500);
    if (reply.status() >= 400) {
      assertThat(reply.contentType()).as("%s", what).startsWith("application/problem+json");
      assertThat(reply.body().path("detail").asText()).as("%s", what).isNotBlank();
    }
    return reply;
  }

  /**
   * The server reads at most this much of a request's head: Jetty's default, which our Dropwizard
   * configuration keeps.
   */
  private static final int HEAD_LIMIT = 8 * 1024;

  private static final AtomicInteger RESET_UNREAD = new AtomicInteger();

  /**
   * {@link #checked} for a request whose path may be longer than the server reads. Such a request
   * is answered 414 or 431 as a problem document, but the server stops reading at {@link
   * #HEAD_LIMIT} and closes the connection; a client still writing the rest can meet TCP's reset
   * before it reads that answer (Jetty's issue 12079: the race is TCP's, not the route's). Only
   * then is a failed request accepted, and only if the server still answers right away.
   */
  private static void checkedUnlessTooLong(String what, String path, Supplier<Http.Reply> send) {
    Http.Reply reply;
    try {
      reply = send.get();
    } catch (IllegalStateException e) {
      if (path.length() <= HEAD_LIMIT || !(e.getCause() instanceof IOException)) {
        throw e;
      }
      RESET_UNREAD.incrementAndGet();
      assertThat(admin.get("/jobs/runs/" + UUID.randomUUID()).status())
          .as(
              "the api answers after %s was cut off unread",
              what.substring(0, Math.min(40, what.length())))
          .isEqualTo(404);
      return;
    }
    checked(what, reply);
  }

  @Provide
  Arbitrary<String> runBodies() {
    return HostileJson.bodies(
        List.of(
            "tenant_id",
            "params",
            "timeout_seconds",
            "max_attempts",
            "retry_backoff_seconds",
            "retry_backoff_cap_seconds"));
  }

  @Provide
  Arbitrary<String> scheduleBodies() {
    return HostileJson.bodies(
        List.of(
            "job_name",
            "job_type",
            "cron_expression",
            "timezone",
            "parameters",
            "tenant_id",
            "trigger_type",
            "interval_seconds",
            "run_at",
            "misfire_policy",
            "misfire_grace_seconds",
            "overlap",
            "jitter_seconds",
            "paused",
            "is_enabled",
            "chain",
            "description",
            "max_attempts",
            "timeout_seconds"));
  }

  @Provide
  Arbitrary<String> chainBodies() {
    return HostileJson.bodies(List.of("name", "description", "steps"));
  }

  @Provide
  Arbitrary<String> cronBodies() {
    return HostileJson.bodies(List.of("cron_expression", "timezone", "count", "from"));
  }

  @Provide
  Arbitrary<String> anything() {
    return HostileJson.text();
  }

  @Property(tries = 400)
  void runNow(@ForAll("runBodies") String body) {
    Http.Reply r = checked("POST /jobs/run/noop " + body, admin.post("/jobs/run/noop", body));
    if (r.status() == 202) {
      ACCEPTED_RUNS.add(r.body().path("run_id").asText());
    }
  }

  @Property(tries = 300)
  void createSchedules(@ForAll("scheduleBodies") String body) {
    Http.Reply r = checked("POST /jobs/schedules " + body, admin.post("/jobs/schedules", body));
    if (r.status() == 201) {
      String name = r.body().path("job_name").asText();
      assertThat(
              admin
                  .delete("/jobs/schedules/" + URLEncoder.encode(name, StandardCharsets.UTF_8))
                  .status())
          .as("a created schedule can be deleted: %s", name)
          .isEqualTo(204);
    }
  }

  @Property(tries = 200)
  void patchASchedule(@ForAll("scheduleBodies") String body) {
    checked("PATCH schedule " + body, admin.patch("/jobs/schedules/" + schedule, body));
  }

  @Property(tries = 200)
  void createChains(@ForAll("chainBodies") String body) {
    checked("POST /jobs/chains " + body, admin.post("/jobs/chains", body));
  }

  @Property(tries = 200)
  void runAChain(@ForAll("runBodies") String body) {
    Http.Reply r =
        checked("POST chain run " + body, admin.post("/jobs/chains/" + chain + "/run", body));
    if (r.status() == 202) {
      ACCEPTED_CHAIN_RUNS.add(r.body().path("chain_run_id").asText());
    }
  }

  @Property(tries = 200)
  void redriveADeadLetter(@ForAll("runBodies") String record, @ForAll boolean wrapped) {
    String body = wrapped ? "{\"record\":" + record + "}" : record;
    Http.Reply r =
        checked(
            "POST redrive " + body,
            admin.post("/jobs/dead-letters/" + deadLetter + "/redrive", body));
    if (r.status() == 202) {
      ACCEPTED_RUNS.add(r.body().path("run_id").asText());
    }
  }

  @Property(tries = 200)
  void previewCron(@ForAll("cronBodies") String body) {
    checked("POST /jobs/cron/preview " + body, admin.post("/jobs/cron/preview", body));
  }

  @Property(tries = 250)
  void queryStrings(@ForAll("anything") String name, @ForAll("anything") String value) {
    String q =
        URLEncoder.encode(name, StandardCharsets.UTF_8)
            + "="
            + URLEncoder.encode(value, StandardCharsets.UTF_8);
    for (String route :
        List.of(
            "/jobs/runs?",
            "/jobs/runs?limit=",
            "/jobs/chain-runs?status=",
            "/jobs/stats?tenant=",
            "/jobs/audit?target_type=",
            "/jobs/dead-letters?",
            "/jobs/dead-letters?cursor=",
            "/jobs/stats/status-counts?since=")) {
      String path =
          route.endsWith("=")
              ? route + URLEncoder.encode(value, StandardCharsets.UTF_8)
              : route + q;
      checkedUnlessTooLong("GET " + path, path, () -> admin.get(path));
    }
  }

  @Property(tries = 200)
  void pathSegments(@ForAll("anything") String segment) {
    String s = URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    String run = "/jobs/runs/" + s;
    checkedUnlessTooLong("GET run " + s, run, () -> admin.get(run));
    checkedUnlessTooLong("GET logs " + s, run, () -> admin.get(run + "/logs"));
    checkedUnlessTooLong("cancel " + s, run, () -> admin.post(run + "/cancel", null));
    String sched = "/jobs/schedules/" + s;
    checkedUnlessTooLong("GET schedule " + s, sched, () -> admin.get(sched));
    checkedUnlessTooLong("DELETE schedule " + s, sched, () -> admin.delete(sched));
    String chainPath = "/jobs/chains/" + s;
    checkedUnlessTooLong("GET chain " + s, chainPath, () -> admin.get(chainPath));
    String runNow = "/jobs/run/" + s;
    checkedUnlessTooLong("run job " + s, runNow, () -> admin.post(runNow, "{}"));
    String letter = "/jobs/dead-letters/" + s;
    checkedUnlessTooLong("GET dead letter " + s, letter, () -> admin.get(letter));
    checkedUnlessTooLong("redrive " + s, letter, () -> admin.post(letter + "/redrive", null));
  }

  @Property(tries = 400)
  void recordsStraightToTheTopics(@ForAll("runBodies") String body) throws Exception {
    String runId = UUID.randomUUID().toString();
    // the run id first, as most producers write it: even a record that breaks later must end its
    // run
    String value =
        body.startsWith("{") && body.length() > 1
            ? "{\"run_id\":\"" + runId + "\",\"job_name\":\"noop\"," + body.substring(1)
            : body;
    PRODUCER
        .get()
        .send(
            new ProducerRecord<>(
                Topics.REQUESTS.name(),
                "fuzz".getBytes(StandardCharsets.UTF_8),
                value.getBytes(StandardCharsets.UTF_8)));
    PRODUCER
        .get()
        .send(
            new ProducerRecord<>(
                Topics.EVENTS.name(),
                runId.getBytes(StandardCharsets.UTF_8),
                body.getBytes(StandardCharsets.UTF_8)));
    TRIED.addAndGet(2);
    if (value.startsWith("{\"run_id\"")) {
      TOPIC_RUNS.put(runId, value.length() > 300 ? value.substring(0, 300) + "…" : value);
    }
  }

  private static final Map<String, String> TOPIC_RUNS = new ConcurrentHashMap<>();
  private static final ThreadLocal<KafkaProducer<byte[], byte[]>> PRODUCER =
      ThreadLocal.withInitial(
          () -> {
            Map<String, Object> props = SharedStandalone.get().config().kafka.clientProperties();
            return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
          });

  @AfterContainer
  static void everythingAcceptedEndsAndEveryRoleIsStillWell() {
    PRODUCER.get().flush();
    for (String id : ACCEPTED_RUNS) {
      await("run " + id)
          .atMost(Duration.ofSeconds(120))
          .until(() -> ended(admin.get("/jobs/runs/" + id)));
    }
    for (String id : ACCEPTED_CHAIN_RUNS) {
      await("chain run " + id)
          .atMost(Duration.ofSeconds(120))
          .until(
              () -> {
                JsonNode r = admin.get("/jobs/chain-runs/" + id).body();
                return r != null
                    && Set.of("completed", "failed", "completed_with_failures", "cancelled")
                        .contains(r.path("status").asText());
              });
    }
    TOPIC_RUNS.forEach(
        (id, value) ->
            await("topic run " + id + " of record " + value)
                .atMost(Duration.ofSeconds(120))
                .until(() -> ended(admin.get("/jobs/runs/" + id))));
    await("every role healthy")
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                new Http(SharedStandalone.get().apiUrl(), null).get("/admin/healthcheck").status()
                    == 200);
    String normal =
        admin
            .post(
                "/jobs/run/settlement",
                "{\"tenant_id\":\"t1\",\"params\":{\"period\":\"2026-03\"}}")
            .body()
            .path("run_id")
            .asText();
    EndToEndTest.awaitRun(admin, normal, "completed");
    System.out.printf(
        "fuzz suite: %d hostile requests and records tried; %d runs, %d chain runs and %d topic "
            + "records accepted, each ended; %d over-long requests cut off unread%n",
        TRIED.get(),
        ACCEPTED_RUNS.size(),
        ACCEPTED_CHAIN_RUNS.size(),
        TOPIC_RUNS.size(),
        RESET_UNREAD.get());
    PRODUCER.get().close();
  }

  private static boolean ended(Http.Reply r) {
    return r.status() == 200
        && Set.of("completed", "failed", "cancelled", "timed_out", "missed")
            .contains(r.body().path("status").asText());
  }

  @Example
  void theSuiteStartsFromAHealthyStandalone() {
    assertThat(new Http(SharedStandalone.get().apiUrl(), null).get("/admin/healthcheck").status())
        .isEqualTo(200);
  }
}
