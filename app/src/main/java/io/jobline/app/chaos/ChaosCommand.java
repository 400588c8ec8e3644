package io.jobline.app.chaos;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.topic.KafkaSettings;
import io.jobline.topic.TopicAdmin;
import io.jobline.topic.TopicSettings;
import io.jobline.topic.Topics;
import io.jobline.wire.Json;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jobline chaos}: starts a whole Jobline installation as separate processes on this machine,
 * drives a steady load through it, injects each fault in turn and checks from the outside that
 * nothing accepted was lost, run twice or fired twice.
 */
@Command(
    name = "chaos",
    mixinStandardHelpOptions = true,
    description =
        "Fault suite: inject crashes, outages and poison under load; check nothing is lost, run twice or fired twice.")
public final class ChaosCommand implements Callable<Integer> {
  @Option(names = "--quick", description = "Every fault once with short windows (for CI).")
  boolean quick;

  @Option(
      names = "--duration",
      description = "Repeat the faults in a random order for this long (e.g. 30m).")
  Duration duration;

  @Option(
      names = "--seed",
      description = "Seed of the load and of the fault order (default: the time).")
  Long seed;

  @Option(
      names = "--faults",
      split = ",",
      description = "Only these faults, by name (default: all of them).")
  List<String> only;

  @Option(
      names = "--scenario",
      description =
          "A load scenario instead of the faults: noisy-neighbour (one tenant's "
              + "backlog at once while 20 others submit 5 runs/s each; their dispatch p99 must stay within 1 s).")
  String scenario;

  @Option(
      names = "--big-jobs",
      defaultValue = "100000",
      description = "noisy-neighbour: the big tenant's backlog (default: ${DEFAULT-VALUE}).")
  int bigJobs;

  @Option(
      names = "--dir",
      description = "Folder for the processes' data and logs (default: a new temporary one).")
  Path dir;

  @Override
  public Integer call() throws Exception {
    // the report is the output: the driver's own Kafka and store clients stay quiet (brokers being
    // down is the point)
    ((LoggerContext) LoggerFactory.getILoggerFactory())
        .getLogger(Logger.ROOT_LOGGER_NAME)
        .setLevel(Level.OFF);
    long theSeed = seed != null ? seed : System.currentTimeMillis();
    Path root = dir != null ? dir : Files.createTempDirectory("jobline-chaos-");
    PrintStream err = System.err;
    if (scenario != null) {
      return scenario(root, err);
    }
    List<Fault> plan = plan(theSeed);
    ChaosRun.Settings settings =
        quick || duration == null ? ChaosRun.Settings.quick() : ChaosRun.Settings.soak();
    err.printf("jobline chaos: seed %d, faults %s, data and logs in %s%n", theSeed, plan, root);
    ChaosRun.Report report;
    try (ChaosRun run =
        new ChaosRun(root, settings, theSeed, line -> err.println("chaos: " + line))) {
      report = run.run(plan);
    }
    ObjectNode json = Json.object().put("seed", theSeed);
    ArrayNode faults = json.putArray("faults");
    boolean ok = report.setupProblem() == null;
    for (ChaosRun.FaultResult f : report.faults()) {
      ObjectNode o =
          faults
              .addObject()
              .put("name", f.name())
              .put("accepted", f.accepted())
              .put("completed", f.completed())
              .put("lost", f.lost())
              .put("double_executions", f.doubleExecutions())
              .put("double_fires", f.doubleFires())
              .put("missed_fires", f.missedFires());
      if (f.recoverySeconds() == null) {
        o.putNull("recovery_seconds");
      } else {
        o.put("recovery_seconds", f.recoverySeconds());
      }
      o.put("notes", String.join("; ", f.notes()));
      ok &= f.ok();
    }
    if (report.setupProblem() != null) {
      json.put("problem", report.setupProblem());
    }
    json.put("ok", ok);
    err.println(table(report));
    System.out.println(json.toPrettyString());
    return ok ? 0 : 1;
  }

  private int scenario(Path root, PrintStream err) throws Exception {
    if (!scenario.equals("noisy-neighbour")) {
      throw new CommandLine.ParameterException(
          new CommandLine(this),
          "--scenario: no scenario named '" + scenario + "'; the scenarios are [noisy-neighbour]");
    }
    NoisyNeighbour.Settings settings = NoisyNeighbour.Settings.of(bigJobs);
    err.printf(
        "jobline chaos: scenario noisy-neighbour (%d runs of %s at once; %d other tenants at %s/s each), "
            + "data and logs in %s%n",
        bigJobs, NoisyNeighbour.BIG, settings.smallTenants(), settings.perTenantPerSecond(), root);
    NoisyNeighbour.Result result;
    try (NoisyNeighbour run =
        new NoisyNeighbour(root, settings, line -> err.println("chaos: " + line))) {
      result = run.run();
    }
    err.printf(
        "%s: %d of %d completed in %.1f s (%d/s)%nother tenants: %d accepted, %d started, %d during the "
            + "backlog; dispatch p50 %d ms, p95 %d ms, p99 %d ms, max %d ms (target p99 <= %d ms)%n",
        NoisyNeighbour.BIG,
        result.bigCompleted(),
        result.bigJobs(),
        result.bigSeconds(),
        result.bigSeconds() <= 0 ? 0 : Math.round(result.bigCompleted() / result.bigSeconds()),
        result.smallAccepted(),
        result.smallStarted(),
        result.smallInBurst(),
        result.p50(),
        result.p95(),
        result.p99(),
        result.max(),
        settings.targetP99Millis());
    System.out.println(result.json(settings).toPrettyString());
    return result.ok() ? 0 : 1;
  }

  private List<Fault> plan(long theSeed) {
    List<Fault> faults = new ArrayList<>();
    if (only == null || only.isEmpty()) {
      faults.addAll(List.of(Fault.values()));
    } else {
      for (String name : only) {
        faults.add(
            Arrays.stream(Fault.values())
                .filter(f -> f.wire().equals(name))
                .findFirst()
                .orElseThrow(
                    () ->
                        new CommandLine.ParameterException(
                            new CommandLine(this),
                            "--faults: no fault named '"
                                + name
                                + "'; the faults are "
                                + List.of(Fault.values()))));
      }
    }
    if (duration == null || quick) {
      return faults;
    }
    // a soak: the faults again and again in an order drawn from the seed, until the duration is
    // spent
    Random random = new Random(theSeed);
    List<Fault> out = new ArrayList<>();
    long perRound = faults.size() * ChaosRun.Settings.soak().faultWindow().toSeconds();
    for (long spent = 0; spent < duration.toSeconds(); spent += perRound) {
      List<Fault> round = new ArrayList<>(faults);
      Collections.shuffle(round, random);
      out.addAll(round);
    }
    return out;
  }

  private static String table(ChaosRun.Report report) {
    StringBuilder out =
        new StringBuilder(
            String.format(
                "%-16s %8s %9s %5s %7s %7s %7s %9s  %s%n",
                "fault",
                "accepted",
                "completed",
                "lost",
                "2x-exec",
                "2x-fire",
                "missed",
                "recovery",
                "notes"));
    for (ChaosRun.FaultResult f : report.faults()) {
      out.append(
          String.format(
              "%-16s %8d %9d %5d %7d %7d %7d %9s  %s%n",
              f.name(),
              f.accepted(),
              f.completed(),
              f.lost(),
              f.doubleExecutions(),
              f.doubleFires(),
              f.missedFires(),
              f.recoverySeconds() == null ? "-" : f.recoverySeconds() + " s",
              String.join("; ", f.notes())));
    }
    if (report.setupProblem() != null) {
      out.append("problem: ").append(report.setupProblem()).append('\n');
    }
    return out.toString();
  }

  static void createTopics(String bootstrap, int partitions, short replication) {
    KafkaSettings kafka = new KafkaSettings();
    kafka.bootstrapServers = bootstrap;
    TopicSettings topics = new TopicSettings();
    topics.requestPartitions = partitions;
    topics.eventPartitions = partitions;
    topics.replicationFactor = replication;
    TopicAdmin.ensureTopics(kafka, topics, Topics.all(), Duration.ofSeconds(120));
  }
}
