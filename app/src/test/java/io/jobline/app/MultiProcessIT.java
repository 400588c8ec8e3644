package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.model.Filters;
import io.jobline.embedded.FreePorts;
import io.jobline.topic.Topics;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every role as its own OS process from the built distribution: infra, one api, two schedulers, two
 * executors and one history. One executor and the leading scheduler are killed with SIGKILL
 * mid-way; every run must still complete once and every fire of an interval schedule happen once.
 */
class MultiProcessIT {
  private static final Path DIST = Path.of(System.getProperty("jobline.dist", "target"));
  private static final Path LOGS = DIST.resolve("it-logs");
  private static final List<Process> PROCESSES = new ArrayList<>();
  private static final Map<String, Integer> PORTS = new HashMap<>();
  private static String kafka;
  private static String mongo;
  private static Http api;

  @BeforeAll
  static void startEverything() throws Exception {
    Files.createDirectories(LOGS);
    int kafkaPort = FreePorts.take();
    int mongoPort = FreePorts.take();
    kafka = "localhost:" + kafkaPort;
    mongo = "mongodb://localhost:" + mongoPort;
    Process infra =
        start(
            "infra",
            Map.of(),
            "infra",
            "--in-memory",
            "--kafka-port",
            "" + kafkaPort,
            "--controller-port",
            "" + FreePorts.take(),
            "--mongo-port",
            "" + mongoPort,
            "--request-partitions",
            "4");
    await("infra")
        .atMost(Duration.ofSeconds(90))
        .until(() -> log("infra").contains("Jobline infra is up"));
    assertThat(infra.isAlive()).isTrue();
    role(
        "history",
        "history",
        Map.of("STATE_DIR", Files.createTempDirectory("mp-streams").toString()));
    role("executor-1", "executor", Map.of("EXECUTOR_ID", "executor-1"));
    role("executor-2", "executor", Map.of("EXECUTOR_ID", "executor-2"));
    role("scheduler-1", "scheduler", Map.of("SCHEDULER_ID", "scheduler-1"));
    // scheduler-1 starts first, so it leads both the firing and the chain orchestration
    await("scheduler-1 leads")
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              JsonNode checks = health("scheduler-1").body();
              return checks != null
                  && checks.path("scheduler").path("message").asText().startsWith("leader")
                  && checks
                      .path("chain-orchestrator")
                      .path("message")
                      .asText()
                      .startsWith("orchestrating");
            });
    role("scheduler-2", "scheduler", Map.of("SCHEDULER_ID", "scheduler-2"));
    role("api", "api", Map.of());
    role("api-2", "api", Map.of()); // a second api behind the same (imagined) load balancer
    for (String name : PORTS.keySet()) {
      await(name + " healthy")
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> health(name).status() == 200);
    }
    api = new Http("http://127.0.0.1:" + PORTS.get("api"));
    await("catalogue")
        .atMost(Duration.ofSeconds(30))
        .until(() -> api.get("/jobs/sleep").status() == 200);
  }

  @AfterAll
  static void stopEverything() {
    PROCESSES.forEach(Process::destroy);
    PROCESSES.forEach(
        p -> {
          try {
            p.waitFor(20, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          p.destroyForcibly();
        });
  }

  @Test
  void runsAndFiresHappenOnceWhileAnExecutorAndTheLeadingSchedulerAreKilled() throws Exception {
    Http.Reply created =
        api.post(
            "/jobs/schedules",
            "{\"job_name\":\"ticker\",\"job_type\":\"noop\","
                + "\"trigger_type\":\"interval\",\"interval_seconds\":2}");
    assertThat(created.status()).isEqualTo(201);
    assertThat(
            api.post(
                    "/jobs/chains",
                    "{\"name\":\"mp-chain\",\"steps\":[{\"name\":\"slow\",\"job\":\"sleep\","
                        + "\"params\":{\"seconds\":4}},{\"name\":\"after\",\"job\":\"noop\",\"depends_on\":[\"slow\"]}]}")
                .status())
        .isEqualTo(201);
    String chainRun =
        api.post("/jobs/chains/mp-chain/run", "{\"tenant_id\":\"chain-tenant\"}")
            .body()
            .path("chain_run_id")
            .asText();
    List<String> runs = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      runs.add(
          api.post(
                  "/jobs/run/sleep",
                  "{\"tenant_id\":\"tenant-" + i + "\",\"params\":{\"seconds\":4}}")
              .body()
              .path("run_id")
              .asText());
    }
    // kill executor-1 while it is in the middle of some of them
    await("executor-1 is running jobs")
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                runs.stream()
                    .map(id -> api.get("/jobs/runs/" + id))
                    .filter(r -> r.status() == 200)
                    .anyMatch(
                        r ->
                            "running".equals(r.body().path("status").asText())
                                && "executor-1".equals(r.body().path("executor_id").asText())));

    await("the chain's first step runs")
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                "running"
                    .equals(
                        api.get("/jobs/chain-runs/" + chainRun)
                            .body()
                            .path("steps")
                            .get(0)
                            .path("status")
                            .asText()));
    kill("executor-1");
    String leader =
        health("scheduler-1").body().path("scheduler").path("message").asText().startsWith("leader")
            ? "scheduler-1"
            : "scheduler-2";
    kill(leader);
    String survivor = leader.equals("scheduler-1") ? "scheduler-2" : "scheduler-1";

    for (String id : runs) {
      await("run " + id).atMost(Duration.ofSeconds(90)).until(() -> "completed".equals(status(id)));
    }
    // the orchestrator was killed between the chain's two steps: the survivor finishes it, each
    // step once
    await("chain run")
        .atMost(Duration.ofSeconds(90))
        .until(
            () ->
                "completed"
                    .equals(
                        api.get("/jobs/chain-runs/" + chainRun).body().path("status").asText()));
    List<String> stepRuns = new ArrayList<>();
    api.get("/jobs/runs?chain_run=" + chainRun)
        .body()
        .path("runs")
        .forEach(r -> stepRuns.add(r.path("job_name").asText() + ":" + r.path("status").asText()));
    assertThat(stepRuns).containsExactlyInAnyOrder("sleep:completed", "noop:completed");
    for (JsonNode step : api.get("/jobs/chain-runs/" + chainRun).body().path("steps")) {
      assertThat(step.path("run_id").asText())
          .isEqualTo(RunId.forChainStep(chainRun, step.path("name").asText(), 1).value());
    }
    await("survivor leads")
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                health(survivor)
                    .body()
                    .path("scheduler")
                    .path("message")
                    .asText()
                    .startsWith("leader"));
    Instant leadTaken = Instant.now();
    await("fires after the takeover")
        .atMost(Duration.ofSeconds(30))
        .until(() -> tickerNominals().stream().anyMatch(t -> t.isAfter(leadTaken.plusSeconds(4))));
    assertThat(api.delete("/jobs/schedules/ticker").status()).isEqualTo(204);

    for (String id : runs) {
      JsonNode run = api.get("/jobs/runs/" + id).body();
      JsonNode attempts = run.path("attempts");
      assertThat(attempts.get(attempts.size() - 1).path("status").asText()).isEqualTo("completed");
      for (int i = 0; i < attempts.size() - 1; i++) {
        assertThat(attempts.get(i).path("error").asText()).contains("taken over");
      }
    }
    assertThat(
            runs.stream()
                .map(id -> api.get("/jobs/runs/" + id).body().path("executor_id").asText()))
        .contains("executor-2");

    TreeSet<Instant> nominals = tickerNominals();
    assertThat(nominals.size()).isGreaterThan(5);
    Instant previous = null;
    for (Instant t : nominals) {
      if (previous != null) {
        assertThat(Duration.between(previous, t))
            .as("no fire is skipped")
            .isEqualTo(Duration.ofSeconds(2));
      }
      previous = t;
    }
  }

  /**
   * Two api processes behind one load balancer: a run one accepted reads at once on the other,
   * while history still holds it back (the other finds its request on the topic).
   */
  @Test
  void aRunOneApiAcceptedAnswersOnTheOtherApiAtOnce() {
    Http other = new Http("http://127.0.0.1:" + PORTS.get("api-2"));
    for (int i = 0; i < 5; i++) {
      Http.Reply accepted =
          api.post("/jobs/run/sleep", "{\"tenant_id\":\"two-apis\",\"params\":{\"seconds\":1}}");
      assertThat(accepted.status()).isEqualTo(202);
      String url = accepted.body().path("status_url").asText();
      Http.Reply shown = other.get(url);
      assertThat(shown.status())
          .as("GET %s on the other api right after the 202", url)
          .isEqualTo(200);
      assertThat(shown.body().path("tenant_id").asText()).isEqualTo("two-apis");
      assertThat(shown.body().path("job_name").asText()).isEqualTo("sleep");
    }
  }

  @Test
  void historyKilledAfterItsWritesButBeforeItsCommitCountsEveryRunOnceAfterARestart()
      throws Exception {
    // a history that writes MongoDB at once (batches of one, statistics with every write) and
    // commits its input every 5 s; it is frozen (SIGSTOP) once MongoDB has the runs, and killed if
    // its commit has not happened by then — writing after a commit cannot happen at all: history
    // writes before every commit (its commit hook)
    processes
        .get("history")
        .destroy(); // SIGTERM: it leaves the group, so the next one takes over at once
    processes.get("history").waitFor();
    role(
        "history-slow",
        "history",
        Map.of(
            "STATE_DIR",
            Files.createTempDirectory("mp-streams").toString(),
            "HISTORY_COMMIT_INTERVAL",
            "5s",
            "HISTORY_BATCH_SIZE",
            "1",
            "HISTORY_STATS_INTERVAL",
            "0ms"));
    await("history-slow healthy")
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> health("history-slow").status() == 200);

    List<String> runs = new ArrayList<>();
    Map<TopicPartition, Long> ends = null;
    for (int round = 0; round < 5 && ends == null; round++) {
      List<String> batch = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        batch.add(
            api.post(
                    "/jobs/run/settlement",
                    "{\"tenant_id\":\"crash-tenant\",\"params\":{\"period\":\"2026-0"
                        + (i + 1)
                        + "\"}}")
                .body()
                .path("run_id")
                .asText());
      }
      runs.addAll(batch);
      Map<TopicPartition, Long> batchEnds = eventsEndOnceCompleted(batch);
      await("runs written")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> batch.stream().allMatch(id -> "completed".equals(status(id))));
      signal("STOP", "history-slow");
      if (uncommitted(batchEnds)) {
        ends = batchEnds;
      } else {
        signal("CONT", "history-slow"); // its commit came first this time: try again with new runs
      }
    }
    assertThat(ends).as("history frozen after it wrote and before it committed").isNotNull();
    JsonNode written =
        api.get("/jobs/stats?job=settlement&tenant=crash-tenant").body().path("stats").get(0);
    assertThat(written.path("counts").path("completed").asInt()).isEqualTo(runs.size());
    kill("history-slow");

    role(
        "history-2",
        "history",
        Map.of("STATE_DIR", Files.createTempDirectory("mp-streams").toString()));
    Map<TopicPartition, Long> last = ends;
    await("history-2 caught up")
        .atMost(Duration.ofSeconds(120))
        .until(() -> !uncommitted(last) && allCommitted(last));
    for (String id : runs) {
      JsonNode run = api.get("/jobs/runs/" + id).body();
      assertThat(run.path("status").asText()).isEqualTo("completed");
      assertThat(run.path("result").path("processed").asInt()).isEqualTo(100);
      assertThat(api.get("/jobs/runs/" + id + "/logs").body().path("total").asInt()).isEqualTo(6);
    }
    JsonNode stats =
        api.get("/jobs/stats?job=settlement&tenant=crash-tenant").body().path("stats").get(0);
    assertThat(stats.path("counts").path("completed").asInt())
        .as("folded twice, counted once")
        .isEqualTo(runs.size());
    assertThat(stats.path("duration_seconds").path("over_last").asInt()).isEqualTo(runs.size());
    processes.put("history", processes.get("history-2"));
  }

  @Test
  void anExecutorFrozenPastItsLeaseIsFencedWhenItWakes() throws Exception {
    role("executor-p", "executor", Map.of("EXECUTOR_ID", "executor-p"));
    await("executor-p holds leases")
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> !leasesOf("executor-p").isEmpty());
    Map<Integer, Long> held = leasesOf("executor-p");
    // two tenants on each of its partitions, two runs each: more than its four slots, so some wait
    // there
    List<String> tenants = new ArrayList<>();
    for (int k = 0; tenants.size() < 2 * held.size(); k++) {
      if (held.containsKey(Topics.requestPartition("frozen-" + k, 4))) {
        tenants.add("frozen-" + k);
      }
    }
    List<String> runs = new ArrayList<>();
    for (String tenant : tenants) {
      for (int i = 0; i < 2; i++) {
        runs.add(
            api.post(
                    "/jobs/run/sleep",
                    "{\"tenant_id\":\"" + tenant + "\",\"params\":{\"seconds\":5}}")
                .body()
                .path("run_id")
                .asText());
      }
    }
    await("executor-p runs some")
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                runs.stream()
                    .map(id -> api.get("/jobs/runs/" + id).body())
                    .anyMatch(
                        r -> r != null && "executor-p".equals(r.path("executor_id").asText())));
    Map<Integer, Long> before = leasesOf("executor-p");

    signal("STOP", "executor-p"); // a pause far longer than its session and its leases
    for (String id : runs) {
      await("run " + id + " taken over")
          .atMost(Duration.ofSeconds(120))
          .until(() -> "completed".equals(status(id)));
    }
    Instant woke = Instant.now();
    signal("CONT", "executor-p");
    await("executor-p knows it was fenced")
        .atMost(Duration.ofSeconds(60))
        .until(() -> log("executor-p").contains("executor-p lost"));
    await("executor-p healthy again")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> health("executor-p").status() == 200);
    // new work on the same partitions, so whatever it still had queued or running would show by now
    List<String> after = new ArrayList<>();
    for (String tenant : tenants) {
      after.add(
          api.post("/jobs/run/noop", "{\"tenant_id\":\"" + tenant + "\"}")
              .body()
              .path("run_id")
              .asText());
    }
    for (String id : after) {
      await("run " + id).atMost(Duration.ofSeconds(60)).until(() -> "completed".equals(status(id)));
    }

    for (String id : runs) {
      JsonNode run = api.get("/jobs/runs/" + id).body();
      assertThat(run.path("status").asText()).isEqualTo("completed");
      JsonNode attempts = run.path("attempts");
      JsonNode last = attempts.get(attempts.size() - 1);
      assertThat(last.path("executor_id").asText())
          .as("run %s ended by the executor that took it over", id)
          .isNotEqualTo("executor-p");
    }
    List<JsonNode> stale = new ArrayList<>();
    for (JsonNode e : committedEvents()) {
      String tenant =
          e.path("payload")
              .path("tenant_id")
              .asText(e.path("payload").path("started").path("tenant_id").asText(""));
      boolean starts =
          "started".equals(e.path("type").asText()) || e.path("payload").has("started");
      if ("executor-p".equals(e.path("executor_id").asText())
          && starts
          && !tenant.isEmpty()
          && Instant.parse(e.path("timestamp").asText()).isAfter(woke)) {
        Long old = before.get(Topics.requestPartition(tenant, 4));
        if (old != null && e.path("epoch").asLong() <= old) {
          stale.add(e);
        }
      }
    }
    assertThat(stale).as("runs started on a lease it had lost").isEmpty();
  }

  /** The partitions whose lease an executor holds now, with their epochs. */
  private static Map<Integer, Long> leasesOf(String executor) {
    Map<Integer, Long> out = new HashMap<>();
    try (MongoClient client = MongoClients.create(mongo)) {
      for (Document d :
          client
              .getDatabase("jobline")
              .getCollection("job_partition_leases")
              .find(
                  Filters.and(
                      Filters.eq("owner", executor), Filters.gt("expires_at", new Date())))) {
        String id = d.getString("_id");
        if (id.startsWith(
            Topics.REQUESTS.name() + "-")) { // the main lane's, not the overflow lane's
          out.put(
              Integer.parseInt(id.substring(id.lastIndexOf('-') + 1)),
              ((Number) d.get("epoch")).longValue());
        }
      }
    }
    return out;
  }

  /** A consumer of every committed record on jobline.events, from its first one. */
  private static KafkaConsumer<String, String> eventsFromTheStart() {
    Map<String, Object> props = new HashMap<>();
    props.put("bootstrap.servers", kafka);
    props.put("isolation.level", "read_committed");
    var consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
    List<TopicPartition> partitions =
        consumer.partitionsFor("jobline.events").stream()
            .map(p -> new TopicPartition(p.topic(), p.partition()))
            .toList();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    return consumer;
  }

  /** Every committed record on jobline.events, parsed. */
  private static List<JsonNode> committedEvents() {
    List<JsonNode> out = new ArrayList<>();
    try (var consumer = eventsFromTheStart()) {
      List<TopicPartition> partitions = List.copyOf(consumer.assignment());
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      await("events read")
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                for (var r : consumer.poll(Duration.ofMillis(200))) {
                  if (r.value() != null) {
                    out.add(Json.mapper().readTree(r.value()));
                  }
                }
                return partitions.stream().allMatch(tp -> consumer.position(tp) >= ends.get(tp));
              });
    }
    return out;
  }

  /** Whether history's group has not committed some of these events yet. */
  private static boolean uncommitted(Map<TopicPartition, Long> ends) throws Exception {
    return !allCommitted(ends);
  }

  private static boolean allCommitted(Map<TopicPartition, Long> ends) throws Exception {
    try (var admin = Admin.create(Map.of("bootstrap.servers", kafka))) {
      var committed =
          admin.listConsumerGroupOffsets("jobline-history").partitionsToOffsetAndMetadata().get();
      return ends.entrySet().stream()
          .allMatch(
              e ->
                  e.getValue() == 0
                      || (committed.get(e.getKey()) != null
                          && committed.get(e.getKey()).offset() >= e.getValue()));
    }
  }

  private static void signal(String signal, String name) throws Exception {
    new ProcessBuilder("kill", "-" + signal, Long.toString(processes.get(name).pid()))
        .start()
        .waitFor();
  }

  /** The end offsets of jobline.events once every one of the runs' completed events is on it. */
  private static Map<TopicPartition, Long> eventsEndOnceCompleted(List<String> runs) {
    Set<String> waiting = new HashSet<>(runs);
    try (var consumer = eventsFromTheStart()) {
      List<TopicPartition> partitions = List.copyOf(consumer.assignment());
      await("the runs completed")
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                for (var r : consumer.poll(Duration.ofMillis(200))) {
                  if (r.value() != null && r.value().contains("\"type\":\"completed\"")) {
                    waiting.remove(r.key());
                  }
                }
                return waiting.isEmpty();
              });
      return consumer.endOffsets(partitions);
    }
  }

  /**
   * Nominal times of the ticker's runs, from the run history in Mongo (each run id is one fire).
   */
  private static TreeSet<Instant> tickerNominals() {
    TreeSet<Instant> out = new TreeSet<>();
    try (MongoClient client = MongoClients.create(mongo)) {
      for (Document d :
          client
              .getDatabase("jobline")
              .getCollection("job_runs")
              .find(Filters.eq("trigger.schedule", "ticker"))) {
        Document trigger = d.get("trigger", Document.class);
        out.add(Instant.parse(trigger.getString("nominal_time")));
      }
    }
    return out;
  }

  private static String status(String runId) {
    Http.Reply r = api.get("/jobs/runs/" + runId);
    return r.status() == 200 ? r.body().path("status").asText() : "unknown";
  }

  private static Http.Reply health(String name) {
    try {
      return new Http("http://127.0.0.1:" + PORTS.get(name)).get("/admin/healthcheck");
    } catch (RuntimeException e) {
      return new Http.Reply(0, "", null);
    }
  }

  private static void kill(String name) throws InterruptedException {
    Process p = processes.get(name);
    p.destroyForcibly();
    p.waitFor();
  }

  private static final Map<String, Process> processes = new HashMap<>();

  private static void role(String name, String role, Map<String, String> env) throws IOException {
    int port = FreePorts.take();
    PORTS.put(name, port);
    Map<String, String> all = new HashMap<>(env);
    all.put("JOBLINE_PORT", "" + port);
    all.put("KAFKA_BOOTSTRAP_SERVERS", kafka);
    all.put("MONGODB_URI", mongo);
    Path config = Path.of("src", "test", "resources", "multiprocess.yml").toAbsolutePath();
    start(name, all, role, config.toString());
  }

  private static Process start(String name, Map<String, String> env, String... args)
      throws IOException {
    List<String> command =
        new ArrayList<>(
            List.of(
                "java",
                "-Xmx256m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                DIST.resolve("jobline.jar") + ":" + DIST.resolve("lib") + "/*",
                "io.jobline.app.Main"));
    command.addAll(List.of(args));
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(LOGS.resolve(name + ".log").toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    PROCESSES.add(p);
    processes.put(name, p);
    return p;
  }

  private static String log(String name) throws IOException {
    Path file = LOGS.resolve(name + ".log");
    return Files.exists(file) ? Files.readString(file) : "";
  }
}
