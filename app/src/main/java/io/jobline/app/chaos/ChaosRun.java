package io.jobline.app.chaos;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

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

  private final Path dir;
  private final Settings settings;
  private final long seed;
  private final Consumer<String> say;
  private final Cluster cluster;
  private Load load;

  ChaosRun(Path dir, Settings settings, long seed, Consumer<String> say) throws IOException {
    this.dir = dir;
    this.settings = settings;
    this.seed = seed;
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
    ChaosSchedules schedules = new ChaosSchedules(cluster, settings.schedules(), say);
    schedules.create();
    load =
        new Load(
            () -> List.of(cluster.url("api-1"), cluster.url("api-2")),
            cluster.bootstrap(),
            settings.restPerSecond(),
            settings.topicPerSecond(),
            20,
            seed);
    load.start();
    long warmStart = System.currentTimeMillis();
    Thread.sleep(settings.warmup().toMillis());
    FaultInjector faults = new FaultInjector(dir, settings, new Random(seed), cluster, load);
    List<FaultWindow> windows = new ArrayList<>();
    for (Fault fault : plan) {
      FaultWindow w = new FaultWindow(fault, System.currentTimeMillis());
      say.accept("fault " + fault + ": " + fault.description());
      try {
        faults.inject(w);
      } catch (Exception e) {
        w.notes.add("could not inject: " + e);
        w.violated = true;
      }
      if (w.faultEnd == 0) {
        w.faultEnd = System.currentTimeMillis();
      }
      long until = w.faultEnd + settings.faultWindow().toMillis() / 2;
      FaultInjector.sleepUntil(until);
      faults.restartWhatIsDown();
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
    faults.restartWhatIsDown();
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
    FaultCheck check =
        new FaultCheck(
            checker,
            load,
            faults,
            schedules,
            warmStart + settings.warmup().toMillis() / 2,
            warmStart + settings.warmup().toMillis());
    return new Report(check.results(windows, loadEnd), null);
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

  @Override
  public void close() {
    if (load != null) {
      load.close();
    }
    cluster.close();
  }
}
