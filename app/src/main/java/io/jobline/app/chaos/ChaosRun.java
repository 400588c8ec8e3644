package io.jobline.app.chaos;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.model.Filters;
import io.jobline.topic.Topics;
import io.jobline.wire.Json;
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
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.bson.Document;

/**
 * One chaos run: the installation, the load, the faults in turn, and the check of each fault's
 * window.
 */
final class ChaosRun implements AutoCloseable {
  /** Sizes and windows of a run. */
  record Settings(
      int executors,
      double restPerSecond,
      double topicPerSecond,
      int schedules,
      Duration warmup,
      Duration faultWindow,
      Duration outage,
      Duration pause,
      int poison,
      Duration drain) {
    static Settings quick() {
      return new Settings(
          2,
          10,
          5,
          200,
          Duration.ofSeconds(20),
          Duration.ofSeconds(30),
          Duration.ofSeconds(15),
          Duration.ofSeconds(12),
          10_000,
          Duration.ofSeconds(150));
    }

    static Settings soak() {
      return new Settings(
          3,
          20,
          10,
          200,
          Duration.ofSeconds(30),
          Duration.ofSeconds(60),
          Duration.ofSeconds(30),
          Duration.ofSeconds(15),
          10_000,
          Duration.ofSeconds(240));
    }
  }

  /** What one fault's window showed. */
  record FaultResult(
      String name,
      long accepted,
      long completed,
      long lost,
      long doubleExecutions,
      long doubleFires,
      long missedFires,
      Double recoverySeconds,
      List<String> notes,
      boolean violated) {
    boolean ok() {
      return !violated
          && lost == 0
          && doubleExecutions == 0
          && doubleFires == 0
          && missedFires == 0;
    }
  }

  record Report(List<FaultResult> faults, String setupProblem) {}

  /** A fault's window: from its injection until the next one begins. */
  private static final class Window {
    final Fault fault;
    final long start;
    long faultEnd;
    long end;
    final List<String> notes = new ArrayList<>();
    boolean violated;

    Window(Fault fault, long start) {
      this.fault = fault;
      this.start = start;
    }
  }

  private final Path dir;
  private final Settings settings;
  private final long seed;
  private final Random random;
  private final Consumer<String> say;
  private final Cluster cluster;
  private final Map<String, List<Long>> deaths = new HashMap<>();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private Load load;
  private Instant firstOwedFire;
  private Instant intervalStart;
  private int poisonSent;
  private double baselinePerSecond;
  private long warmStart;

  ChaosRun(Path dir, Settings settings, long seed, Consumer<String> say) throws IOException {
    this.dir = dir;
    this.settings = settings;
    this.seed = seed;
    this.random = new Random(seed);
    this.say = say;
    this.cluster = new Cluster(dir, say);
  }

  Report run(List<Fault> plan) throws Exception {
    long t0 = System.currentTimeMillis();
    try {
      startInstallation();
    } catch (RuntimeException e) {
      return new Report(List.of(), "the installation did not start: " + e.getMessage());
    }
    say.accept("installation up in " + (System.currentTimeMillis() - t0) / 1000 + " s");
    createSchedules();
    load =
        new Load(
            () -> List.of(cluster.url("api-1"), cluster.url("api-2")),
            cluster.bootstrap(),
            settings.restPerSecond(),
            settings.topicPerSecond(),
            20,
            seed);
    load.start();
    warmStart = System.currentTimeMillis();
    Thread.sleep(settings.warmup().toMillis());
    List<Window> windows = new ArrayList<>();
    for (Fault fault : plan) {
      Window w = new Window(fault, System.currentTimeMillis());
      say.accept("fault " + fault + ": " + fault.description());
      try {
        inject(w);
      } catch (Exception e) {
        w.notes.add("could not inject: " + e);
        w.violated = true;
      }
      if (w.faultEnd == 0) {
        w.faultEnd = System.currentTimeMillis();
      }
      long until = w.faultEnd + settings.faultWindow().toMillis() / 2;
      sleepUntil(until);
      restartWhatIsDown();
      w.end = System.currentTimeMillis();
      windows.add(w);
    }
    long loadEnd = System.currentTimeMillis();
    load.stop();
    say.accept(
        "load stopped: "
            + load.accepted().size()
            + " runs accepted, "
            + load.chains().size()
            + " chain runs; waiting for every run to end");
    restartWhatIsDown();
    Checker checker = new Checker(cluster.mongoUri(), cluster.bootstrap(), cluster.executionsDir());
    List<String> ids = load.accepted().stream().map(Load.Accepted::runId).distinct().toList();
    long drainUntil = System.currentTimeMillis() + settings.drain().toMillis();
    long unfinished = Long.MAX_VALUE;
    while (System.currentTimeMillis() < drainUntil) {
      try {
        unfinished = checker.unfinished(ids);
      } catch (RuntimeException e) {
        say.accept("the store did not answer: " + e);
      }
      if (unfinished == 0) {
        break;
      }
      say.accept(unfinished + " of " + ids.size() + " accepted runs have not ended yet");
      Thread.sleep(5000);
    }
    baselinePerSecond =
        completionsPerSecond(
            checker,
            warmStart + settings.warmup().toMillis() / 2,
            warmStart + settings.warmup().toMillis());
    return new Report(check(checker, windows, loadEnd), null);
  }

  private void startInstallation() throws Exception {
    say.accept(
        "starting a Kafka controller and 3 brokers, the store, 2 api, 2 scheduler, "
            + settings.executors()
            + " executor and 2 history processes");
    cluster.startKafka(3);
    cluster.startStore();
    awaitBrokers(cluster, 3, Duration.ofSeconds(180));
    ChaosCommand.createTopics(cluster.bootstrap(), 6, (short) 3);
    cluster.writeConfig(6, 3);
    List<String> roles = new ArrayList<>();
    for (int i = 1; i <= 2; i++) {
      cluster.startRole("api-" + i, "api", Map.of());
      roles.add("api-" + i);
    }
    for (int i = 1; i <= 2; i++) {
      String name = "scheduler-" + i;
      cluster.startRole(
          name,
          "scheduler",
          Map.of(
              "SCHEDULER_ID", name, FileOffsetClock.ENV, dir.resolve("clock-" + name).toString()));
      roles.add(name);
    }
    for (int i = 1; i <= settings.executors(); i++) {
      cluster.startRole("executor-" + i, "executor", Map.of("EXECUTOR_ID", "executor-" + i));
      roles.add("executor-" + i);
    }
    for (int i = 1; i <= 2; i++) {
      cluster.startRole("history-" + i, "history", Map.of());
      roles.add("history-" + i);
    }
    cluster.awaitHealthy(roles, Duration.ofSeconds(300));
  }

  static void awaitBrokers(Cluster cluster, int count, Duration timeout)
      throws InterruptedException {
    long until = System.nanoTime() + timeout.toNanos();
    while (true) {
      try (Admin admin =
          Admin.create(
              Map.of(
                  AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                  cluster.bootstrap(),
                  AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                  5000,
                  AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                  5000))) {
        if (admin.describeCluster().nodes().get().size() >= count) {
          return;
        }
      } catch (Exception e) {
        // not yet
      }
      if (System.nanoTime() > until) {
        throw new IllegalStateException(
            "Kafka did not get " + count + " brokers in " + timeout.toSeconds() + " s");
      }
      Thread.sleep(1000);
    }
  }

  /** Half the schedules fire on every minute (cron), half every 60 s from half past (interval). */
  private void createSchedules() throws Exception {
    Instant now = Instant.now();
    firstOwedFire =
        now.plus(Duration.ofSeconds(70))
            .truncatedTo(ChronoUnit.MINUTES)
            .plus(Duration.ofMinutes(1));
    intervalStart = firstOwedFire.plusSeconds(30);
    for (int i = 0; i < settings.schedules(); i++) {
      boolean cron = i % 2 == 0;
      var body =
          Json.object()
              .put("job_name", "chaos-s-" + i)
              .put("job_type", "chaos-work")
              .put("tenant_id", "tenant-s" + (i % 10))
              .put("timezone", "UTC")
              .put("misfire_grace_seconds", 120);
      body.set("parameters", Json.object().put("ms", 20));
      if (cron) {
        body.put("trigger_type", "cron").put("cron_expression", "* * * * *");
      } else {
        body.put("trigger_type", "interval")
            .put("interval_seconds", 60)
            .put("run_at", intervalStart.toString());
      }
      HttpResponse<String> r =
          post(cluster.url("api-" + (1 + i % 2)) + "/jobs/schedules", body.toString());
      if (r.statusCode() >= 300) {
        throw new IllegalStateException(
            "creating schedule chaos-s-" + i + " answered " + r.statusCode() + ": " + r.body());
      }
    }
    say.accept(settings.schedules() + " schedules created; fires owed from " + firstOwedFire);
  }

  private void inject(Window w) throws Exception {
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
  private void probeApiWhileStoreIsDown(Window w) throws InterruptedException {
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

  private void restartWhatIsDown() throws IOException {
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

  private List<FaultResult> check(Checker checker, List<Window> windows, long loadEnd)
      throws Exception {
    List<Load.Accepted> accepted = load.accepted();
    Map<String, String> statuses =
        checker.statuses(accepted.stream().map(Load.Accepted::runId).distinct().toList());
    List<Checker.Execution> executions = checker.executions();
    List<Long> doubles = Checker.doubleExecutions(executions, deaths);
    Map<String, Long> doneTwice = Checker.doneMoreThanOnce(executions);
    Map<Checker.Fire, List<String>> fires = checker.fires("chaos-s-");
    List<Checker.Fire> owed = owedFires(loadEnd - 15_000);
    long[] dlq = checker.deadLetters(Duration.ofSeconds(60));
    List<String> chainsOpen =
        checker.unfinishedChains(
            load.chains().stream().map(Load.ChainAccepted::chainRunId).toList());
    long prompt =
        servedPromptly(
            executions,
            accepted,
            warmStart + settings.warmup().toMillis() / 2,
            warmStart + settings.warmup().toMillis());
    List<FaultResult> out = new ArrayList<>();
    for (int i = 0; i < windows.size(); i++) {
      Window w = windows.get(i);
      long from = w.start;
      long to = i + 1 < windows.size() ? windows.get(i + 1).start : loadEnd;
      List<Load.Accepted> mine =
          accepted.stream().filter(a -> a.atMillis() >= from && a.atMillis() < to).toList();
      long completed =
          mine.stream().filter(a -> "completed".equals(statuses.get(a.runId()))).count();
      long lost = mine.stream().filter(a -> !Checker.ended(statuses.get(a.runId()))).count();
      long doubleExecutions = doubles.stream().filter(t -> t >= from && t < to).count();
      long doubleFires = 0;
      long missedFires = 0;
      long owedHere = 0;
      for (Checker.Fire fire : owed) {
        long at = fire.nominal().toEpochMilli();
        if (at < from || at >= to) {
          continue;
        }
        owedHere++;
        List<String> runs = fires.getOrDefault(fire, List.of());
        if (runs.isEmpty()) {
          missedFires++;
        } else if (runs.size() > 1) {
          doubleFires++;
        }
      }
      long again = doneTwice.values().stream().filter(t -> t >= from && t < to).count();
      List<String> notes = new ArrayList<>(w.notes);
      if (owedHere > 0) {
        notes.add(owedHere + " fires owed");
      }
      if (again > 0) {
        notes.add(
            again
                + " runs done again one after the other (a batch whose events were void, run anew)");
      }
      if (lost > 0) {
        notes.add(
            "lost e.g. "
                + mine.stream()
                    .filter(a -> !Checker.ended(statuses.get(a.runId())))
                    .limit(3)
                    .map(
                        a ->
                            a.runId()
                                + " ("
                                + a.via()
                                + ", "
                                + statuses.getOrDefault(a.runId(), "absent")
                                + ")")
                    .toList());
      }
      boolean violated = w.violated;
      if (w.fault == Fault.POISON_RECORDS) {
        notes.add(dlq[0] + " records in the dead-letter topic, " + dlq[1] + " with a reason");
        if (dlq[1] < poisonSent) {
          violated = true;
          notes.add("expected at least " + poisonSent + " dead letters with a reason");
        }
      }
      Double recovery =
          recoverySeconds(executions, accepted, baselinePerSecond, prompt, w.faultEnd, to);
      if (recovery == null) {
        notes.add(
            "the load was not served as before within the window: completions under 80% of the steady rate ("
                + Math.round(baselinePerSecond)
                + "/s) or new runs waiting over "
                + prompt
                + " ms to start");
      }
      out.add(
          new FaultResult(
              w.fault.wire(),
              mine.size(),
              completed,
              lost,
              doubleExecutions,
              doubleFires,
              missedFires,
              recovery,
              notes,
              violated));
    }
    if (!chainsOpen.isEmpty() && !out.isEmpty()) {
      FaultResult last = out.remove(out.size() - 1);
      List<String> notes = new ArrayList<>(last.notes());
      notes.add(
          chainsOpen.size() + " chain runs never ended: " + chainsOpen.stream().limit(3).toList());
      out.add(
          new FaultResult(
              last.name(),
              last.accepted(),
              last.completed(),
              last.lost(),
              last.doubleExecutions(),
              last.doubleFires(),
              last.missedFires(),
              last.recoverySeconds(),
              notes,
              true));
    }
    return out;
  }

  /** The fires the schedules owed from the first checked minute until {@code until}. */
  private List<Checker.Fire> owedFires(long until) {
    List<Checker.Fire> out = new ArrayList<>();
    for (int i = 0; i < settings.schedules(); i++) {
      Instant t = i % 2 == 0 ? firstOwedFire : intervalStart;
      for (; t.toEpochMilli() < until; t = t.plusSeconds(60)) {
        out.add(new Checker.Fire("chaos-s-" + i, t));
      }
    }
    return out;
  }

  private double completionsPerSecond(Checker checker, long from, long to) throws IOException {
    long n =
        checker.executions().stream()
            .filter(e -> e.end() != null && e.end() >= from && e.end() < to)
            .count();
    return n * 1000.0 / Math.max(1, to - from);
  }

  /**
   * Seconds from the fault's end until the load is served as before it: the first moment from
   * which, over the next 5 s, completions run at 80% of the steady rate or more <em>and</em> the
   * runs accepted then start, at the median, within {@link #servedPromptly} of their acceptance (so
   * a burst of completions that only drains a backlog while new runs still wait does not count; the
   * median, as the minute's schedule fires make a few runs wait in any window). In steps of 250 ms.
   */
  static Double recoverySeconds(
      List<Checker.Execution> executions,
      List<Load.Accepted> accepted,
      double baselinePerSecond,
      long promptMillis,
      long faultEnd,
      long windowEnd) {
    long[] ends =
        executions.stream()
            .filter(e -> e.end() != null && "done".equals(e.outcome()))
            .mapToLong(Checker.Execution::end)
            .sorted()
            .toArray();
    Map<String, Long> firstStart = new HashMap<>();
    executions.forEach(e -> firstStart.merge(e.runId(), e.start(), Math::min));
    List<Load.Accepted> byTime =
        accepted.stream().sorted(Comparator.comparingLong(Load.Accepted::atMillis)).toList();
    double needed = 0.8 * baselinePerSecond * 5;
    for (long t = faultEnd; t + 5000 <= Math.max(windowEnd, faultEnd + 5000); t += 250) {
      long from = t;
      long until = t + 5000;
      long n = Arrays.stream(ends).filter(e -> e >= from && e < until).count();
      // a run never started counts as waiting for ever
      long[] waits =
          byTime.stream()
              .filter(a -> a.atMillis() >= from && a.atMillis() < until)
              .mapToLong(
                  a ->
                      firstStart.containsKey(a.runId())
                          ? firstStart.get(a.runId()) - a.atMillis()
                          : Long.MAX_VALUE)
              .sorted()
              .toArray();
      boolean prompt = waits.length == 0 || percentile(waits, 50) <= promptMillis;
      if (n >= needed && prompt) {
        return Math.round((t - faultEnd) / 100.0) / 10.0;
      }
    }
    return null;
  }

  /**
   * How soon after its acceptance a run starts when the load is served as usual: three times the
   * warm-up's median wait, and at least 2 s. The median, not a high percentile: the minute's 200
   * schedule fires make a few runs of any window wait long (a warm-up p99 of 26 s was seen).
   */
  static long servedPromptly(
      List<Checker.Execution> executions, List<Load.Accepted> accepted, long from, long to) {
    Map<String, Long> firstStart = new HashMap<>();
    executions.forEach(e -> firstStart.merge(e.runId(), e.start(), Math::min));
    long[] waits =
        accepted.stream()
            .filter(a -> a.atMillis() >= from && a.atMillis() < to)
            .map(
                a ->
                    firstStart.containsKey(a.runId())
                        ? firstStart.get(a.runId()) - a.atMillis()
                        : null)
            .filter(Objects::nonNull)
            .mapToLong(Long::longValue)
            .sorted()
            .toArray();
    return Math.max(2000, 3 * (waits.length == 0 ? 0 : percentile(waits, 50)));
  }

  private static long percentile(long[] sorted, int p) {
    return sorted[
        Math.max(0, Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * p / 100.0) - 1))];
  }

  private HttpResponse<String> post(String url, String body)
      throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(20))
            .header("Authorization", "Bearer " + Load.TOKEN)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static void sleepUntil(long epochMillis) throws InterruptedException {
    long wait = epochMillis - System.currentTimeMillis();
    if (wait > 0) {
      Thread.sleep(wait);
    }
  }

  @Override
  public void close() {
    if (load != null) {
      load.close();
    }
    cluster.close();
  }
}
