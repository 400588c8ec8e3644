package io.jobline.app.chaos;

import io.jobline.embedded.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.common.Uuid;

/**
 * The processes of a chaos run, each its own JVM on this machine: a Kafka controller and brokers,
 * the Mongo-wire store (on a data folder, so it can be stopped and started on the same data) and
 * every role. Each can be killed, stopped, frozen and thawed, and started again as it was.
 */
final class Cluster implements AutoCloseable {
  /** How one process is started again after a fault. */
  private record Spec(List<String> args, Map<String, String> env, int port, String heap) {}

  private final Path dir;
  private final Consumer<String> say;
  private final Map<String, Spec> specs = new LinkedHashMap<>();
  private final Map<String, Process> running = new LinkedHashMap<>();
  private final List<Integer> brokerPorts = new ArrayList<>();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final String classpath = System.getProperty("java.class.path");
  private int mongoPort;
  private Path config;

  Cluster(Path dir, Consumer<String> say) throws IOException {
    this.dir = dir;
    this.say = say;
    Files.createDirectories(dir.resolve("logs"));
    Files.createDirectories(executionsDir());
  }

  Path executionsDir() {
    return dir.resolve("executions");
  }

  String bootstrap() {
    return String.join(",", brokerPorts.stream().map(p -> "localhost:" + p).toList());
  }

  String mongoUri() {
    return "mongodb://localhost:" + mongoPort;
  }

  /** A controller and {@code brokers} brokers, replication factor {@code min(3, brokers)}. */
  void startKafka(int brokers) throws IOException {
    int controllerPort = FreePorts.take();
    String clusterId = Uuid.randomUuid().toString();
    String voters = "100@localhost:" + controllerPort;
    int replication = Math.min(3, brokers);
    node("controller", 100, "controller", controllerPort, voters, clusterId, replication);
    for (int i = 1; i <= brokers; i++) {
      int port = FreePorts.take();
      brokerPorts.add(port);
      node("broker-" + i, i, "broker", port, voters, clusterId, replication);
    }
  }

  private void node(
      String name, int id, String roles, int port, String voters, String clusterId, int replication)
      throws IOException {
    start(
        name,
        new Spec(
            List.of(
                "kafka-node",
                "--data-dir",
                dir.resolve(name).toString(),
                "--node-id",
                "" + id,
                "--roles",
                roles,
                "--port",
                "" + port,
                "--voters",
                voters,
                "--cluster-id",
                clusterId,
                "--replication",
                "" + replication),
            Map.of(),
            port,
            "-Xmx384m"));
  }

  void startStore() throws IOException {
    mongoPort = FreePorts.take();
    start(
        "store",
        new Spec(
            List.of(
                "infra",
                "--store-only",
                "--data-dir",
                dir.resolve("store").toString(),
                "--mongo-port",
                "" + mongoPort),
            Map.of(),
            mongoPort,
            "-Xmx1g"));
  }

  /** Writes the roles' configuration (every per-process value comes from the environment). */
  void writeConfig(int partitions, int replication) throws IOException {
    config = dir.resolve("chaos.yml");
    Files.writeString(
        config,
        """
        server:
          type: simple
          applicationContextPath: /
          adminContextPath: /admin
          registerDefaultExceptionMappers: false
          connector: {type: http, port: ${JOBLINE_PORT}, bindHost: 127.0.0.1}
          requestLog: {appenders: []}
        kafka:
          bootstrapServers: ${KAFKA_BOOTSTRAP_SERVERS}
        mongo:
          uri: ${MONGODB_URI}
        topics:
          requestPartitions: %d
          eventPartitions: %d
          replicationFactor: %d
        jobs:
          packages: [io.jobline.examples, io.jobline.app.chaos]
        executor:
          workers: 8
          executorId: ${EXECUTOR_ID:-executor}
          claimTtl: 4s
          sessionTimeout: 6s
          drain: 2s
          overflowAfter: 200
        scheduler:
          schedulerId: ${SCHEDULER_ID:-scheduler}
          leaseTtl: 4s
          reloadInterval: 500ms
        history:
          stateDir: ${STATE_DIR}
          commitInterval: 200ms
          sessionTimeout: 6s
        api:
          limits:
            writesPerSecond: 100000
            writeBurst: 100000
        auth:
          devToken: chaos-admin-token
        logging:
          level: WARN
          loggers:
            io.jobline: INFO
        """
            .formatted(partitions, partitions, replication));
  }

  void startRole(String name, String role, Map<String, String> extraEnv) throws IOException {
    int port = FreePorts.take();
    Map<String, String> env = new LinkedHashMap<>(extraEnv);
    env.put("JOBLINE_PORT", "" + port);
    env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap());
    env.put("MONGODB_URI", mongoUri());
    env.put("STATE_DIR", dir.resolve("state-" + name).toString());
    env.put(ChaosJobs.DIR_ENV, executionsDir().toString());
    start(name, new Spec(List.of(role, config.toString()), env, port, "-Xmx256m"));
  }

  private void start(String name, Spec spec) throws IOException {
    specs.put(name, spec);
    List<String> command =
        new ArrayList<>(
            List.of(
                javaBin(),
                spec.heap(),
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                classpath,
                "io.jobline.app.Main"));
    command.addAll(spec.args());
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(
                ProcessBuilder.Redirect.appendTo(
                    dir.resolve("logs").resolve(name + ".log").toFile()));
    pb.environment().putAll(spec.env());
    running.put(name, pb.start());
  }

  /** Starts a stopped or killed process again, as it was first started. */
  void restart(String name) throws IOException {
    Process p = running.get(name);
    if (p != null && p.isAlive()) {
      return;
    }
    start(name, specs.get(name));
  }

  void kill(String name) {
    Process p = running.get(name);
    if (p != null) {
      p.destroyForcibly();
      waitFor(p);
    }
  }

  /** SIGTERM: the process shuts down as it would on a deploy. */
  void stop(String name) {
    Process p = running.get(name);
    if (p != null) {
      p.destroy();
      if (!waitFor(p)) {
        p.destroyForcibly();
        waitFor(p);
      }
    }
  }

  void freeze(String name) {
    signal("STOP", name);
  }

  void thaw(String name) {
    signal("CONT", name);
  }

  private void signal(String signal, String name) {
    try {
      new ProcessBuilder("kill", "-" + signal, Long.toString(running.get(name).pid()))
          .start()
          .waitFor();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  boolean alive(String name) {
    Process p = running.get(name);
    return p != null && p.isAlive();
  }

  /** True when the role answers its health check with 200. */
  boolean healthy(String name) {
    Spec spec = specs.get(name);
    if (spec == null || !alive(name)) {
      return false;
    }
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + spec.port() + "/admin/healthcheck"))
                  .timeout(Duration.ofSeconds(3))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  String url(String name) {
    return "http://127.0.0.1:" + specs.get(name).port();
  }

  int port(String name) {
    return specs.get(name).port();
  }

  List<String> names(String prefix) {
    return specs.keySet().stream().filter(n -> n.startsWith(prefix)).toList();
  }

  /** Waits until every named role is healthy, or says which are not after {@code timeout}. */
  void awaitHealthy(List<String> names, Duration timeout) throws InterruptedException {
    long until = System.nanoTime() + timeout.toNanos();
    List<String> waiting = new ArrayList<>(names);
    while (!waiting.isEmpty()) {
      waiting.removeIf(this::healthy);
      if (waiting.isEmpty()) {
        return;
      }
      if (System.nanoTime() > until) {
        throw new IllegalStateException(
            "not healthy after "
                + timeout.toSeconds()
                + " s: "
                + waiting
                + " (logs in "
                + dir.resolve("logs")
                + ")");
      }
      Thread.sleep(500);
    }
  }

  String log(String name) {
    try {
      Path file = dir.resolve("logs").resolve(name + ".log");
      return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "";
    }
  }

  @Override
  public void close() {
    List<String> names = new ArrayList<>(running.keySet());
    Collections.reverse(names);
    for (String name : names) {
      Process p = running.get(name);
      if (p.isAlive()) {
        signal("CONT", name);
        p.destroyForcibly();
        waitFor(p);
      }
    }
    say.accept("stopped " + names.size() + " processes; logs are in " + dir.resolve("logs"));
  }

  private static boolean waitFor(Process p) {
    try {
      return p.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
