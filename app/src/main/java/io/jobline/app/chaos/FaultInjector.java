package io.jobline.app.chaos;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.model.Filters;
import io.jobline.topic.Topics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.bson.Document;

/**
 * Injects the faults of a chaos run into its installation, picks their victims (the busiest
 * executor, the leading scheduler, the broker leading most request partitions), and brings back
 * whatever is still down. Remembers when it killed each executor and how many bad records it sent,
 * for the check.
 */
final class FaultInjector {
  private final Path dir;
  private final ChaosRun.Settings settings;
  private final Random random;
  private final Cluster cluster;
  private final Load load;
  private final Map<String, List<Long>> deaths = new HashMap<>();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private int poisonSent;

  FaultInjector(Path dir, ChaosRun.Settings settings, Random random, Cluster cluster, Load load) {
    this.dir = dir;
    this.settings = settings;
    this.random = random;
    this.cluster = cluster;
    this.load = load;
  }

  /** When each executor was killed, by name. */
  Map<String, List<Long>> deaths() {
    return deaths;
  }

  /** The bad records sent so far. */
  int poisonSent() {
    return poisonSent;
  }

  void inject(FaultWindow w) throws Exception {
    switch (w.fault) {
      case KILL_EXECUTOR -> {
        String victim = busiest("executor-");
        int inFlight = inFlight(victim);
        cluster.kill(victim);
        deaths.computeIfAbsent(victim, k -> new ArrayList<>()).add(System.currentTimeMillis());
        w.notes.add("killed " + victim + " with " + inFlight + " runs in flight");
        w.faultEnd = System.currentTimeMillis();
        Thread.sleep(5000);
        cluster.restart(victim);
      }
      case KILL_SCHEDULER -> {
        Instant boundary =
            Instant.now()
                .plusSeconds(4)
                .truncatedTo(ChronoUnit.MINUTES)
                .plus(Duration.ofMinutes(1));
        sleepUntil(boundary.minusSeconds(2).toEpochMilli());
        String leader = leader();
        cluster.kill(leader);
        w.notes.add("killed the leader " + leader + " 2 s before " + boundary);
        w.faultEnd = System.currentTimeMillis();
        Thread.sleep(5000);
        cluster.restart(leader);
      }
      case KILL_HISTORY -> {
        String victim = "history-" + (1 + random.nextInt(2));
        cluster.kill(victim);
        w.notes.add("killed " + victim);
        w.faultEnd = System.currentTimeMillis();
        Thread.sleep(5000);
        cluster.restart(victim);
      }
      case KILL_API -> {
        long retriedBefore = load.retriedOnOtherApi();
        cluster.kill("api-1");
        w.faultEnd = System.currentTimeMillis();
        Thread.sleep(5000);
        cluster.restart("api-1");
        w.notes.add(
            "killed api-1; "
                + (load.retriedOnOtherApi() - retriedBefore)
                + " requests retried on api-2");
      }
      case BROKER_RESTART -> {
        String broker = busiestBroker();
        cluster.kill(broker);
        w.notes.add(
            "killed "
                + broker
                + " (leader of most request partitions) for "
                + settings.outage().toSeconds()
                + " s");
        Thread.sleep(settings.outage().toMillis());
        cluster.restart(broker);
        w.faultEnd = System.currentTimeMillis();
      }
      case STORE_OUTAGE -> {
        cluster.stop("store");
        long outageEnd = System.currentTimeMillis() + settings.outage().toMillis();
        Thread.sleep(2000);
        probeApiWhileStoreIsDown(w);
        sleepUntil(outageEnd);
        cluster.restart("store");
        w.notes.add("store down " + settings.outage().toSeconds() + " s");
        w.faultEnd = System.currentTimeMillis();
      }
      case POISON_RECORDS -> {
        poisonSent += load.poison(settings.poison());
        w.notes.add(settings.poison() + " bad records sent among good ones");
        w.faultEnd = System.currentTimeMillis();
      }
      case EXECUTOR_PAUSE -> {
        String victim = busiest("executor-");
        int inFlight = inFlight(victim);
        cluster.freeze(victim);
        Thread.sleep(settings.pause().toMillis());
        cluster.thaw(victim);
        w.notes.add(
            "froze "
                + victim
                + " with "
                + inFlight
                + " runs in flight for "
                + settings.pause().toSeconds()
                + " s");
        w.faultEnd = System.currentTimeMillis();
      }
      case CLOCK_JUMP -> {
        String leader = leader();
        Path clock = dir.resolve("clock-" + leader);
        Files.writeString(clock, "90000", StandardCharsets.UTF_8);
        Thread.sleep(10_000);
        Files.writeString(clock, "0", StandardCharsets.UTF_8);
        w.notes.add(leader + "'s clock 90 s ahead for 10 s");
        w.faultEnd = System.currentTimeMillis();
      }
      default -> throw new IllegalStateException("no such fault: " + w.fault);
    }
  }

  /** While the store is down the api must answer a 503 naming it, not a 500 or a hang. */
  private void probeApiWhileStoreIsDown(FaultWindow w) throws InterruptedException {
    for (String path : List.of("/jobs/runs?limit=1", "/jobs/schedules")) {
      long t = System.nanoTime();
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create(cluster.url("api-2") + path))
                    .timeout(Duration.ofSeconds(20))
                    .header("Authorization", "Bearer " + Load.TOKEN)
                    .GET()
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        long ms = (System.nanoTime() - t) / 1_000_000;
        w.notes.add("GET " + path + " → " + r.statusCode() + " in " + ms + " ms");
        if (r.statusCode() != 503 || !r.body().contains("MongoDB")) {
          w.violated = true;
          w.notes.add("expected a 503 naming MongoDB, got: " + r.body());
        }
      } catch (IOException e) {
        w.violated = true;
        w.notes.add("GET " + path + " did not answer: " + e);
      }
    }
  }

  void restartWhatIsDown() throws IOException {
    for (String name : List.of("store", "broker-1", "broker-2", "broker-3", "controller")) {
      if (!cluster.alive(name)) {
        cluster.restart(name);
      }
    }
    for (String prefix : List.of("api-", "scheduler-", "executor-", "history-")) {
      for (String name : cluster.names(prefix)) {
        if (!cluster.alive(name)) {
          cluster.restart(name);
        }
      }
    }
  }

  /** The executor with the most runs started and not yet ended, by the executions it recorded. */
  private String busiest(String prefix) {
    String best = cluster.names(prefix).get(0);
    int most = -1;
    for (String name : cluster.names(prefix)) {
      int n = inFlight(name);
      if (cluster.alive(name) && n > most) {
        best = name;
        most = n;
      }
    }
    return best;
  }

  private int inFlight(String executor) {
    Path file = cluster.executionsDir().resolve(executor + ".log");
    try {
      if (!Files.exists(file)) {
        return 0;
      }
      int open = 0;
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        open += line.startsWith("start ") ? 1 : line.startsWith("end ") ? -1 : 0;
      }
      return Math.max(0, open);
    } catch (IOException e) {
      return 0;
    }
  }

  /** The scheduler that holds the leader lease. */
  private String leader() {
    try (MongoClient client = MongoClients.create(cluster.mongoUri())) {
      Document lease =
          client
              .getDatabase("jobline")
              .getCollection("job_locks")
              .find(Filters.eq("_id", "scheduler-leader"))
              .first();
      return lease == null ? "scheduler-1" : lease.getString("owner");
    }
  }

  private String busiestBroker() throws Exception {
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap()))) {
      TopicDescription d =
          admin
              .describeTopics(List.of(Topics.REQUESTS.name()))
              .allTopicNames()
              .get()
              .get(Topics.REQUESTS.name());
      Map<Integer, Integer> led = new HashMap<>();
      d.partitions()
          .forEach(p -> led.merge(p.leader() == null ? -1 : p.leader().id(), 1, Integer::sum));
      int id =
          led.entrySet().stream()
              .filter(e -> e.getKey() > 0)
              .max(Map.Entry.comparingByValue())
              .map(Map.Entry::getKey)
              .orElse(1);
      return "broker-" + id;
    }
  }

  static void sleepUntil(long epochMillis) throws InterruptedException {
    long wait = epochMillis - System.currentTimeMillis();
    if (wait > 0) {
      Thread.sleep(wait);
    }
  }
}
