package io.jobline.app;

import io.dropwizard.core.server.SimpleServerFactory;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.jetty.HttpConnectorFactory;
import io.jobline.embedded.EmbeddedKafka;
import io.jobline.embedded.EmbeddedMongo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.LoggerFactory;

/**
 * All four roles plus an embedded Kafka broker and Mongo-wire store in this JVM. Data lives under
 * one folder (Kafka log, H2 store file, Streams state), so stopping and starting keeps history and
 * schedules; in-memory mode keeps nothing.
 */
public final class Standalone implements AutoCloseable {
  public static final int DEFAULT_API_PORT = 5001;
  public static final int DEFAULT_KAFKA_PORT = 29092;
  public static final int DEFAULT_MONGO_PORT = 27117;

  /** How to start; ports of 0 pick free ones. */
  public record Options(
      Path dataDir,
      boolean inMemory,
      int apiPort,
      int kafkaPort,
      int mongoPort,
      Clock clock,
      Consumer<JoblineConfiguration> tweak,
      Set<Role> roles,
      Path config) {

    public static Options defaults() {
      return new Options(
          Path.of("jobline-data"),
          false,
          DEFAULT_API_PORT,
          DEFAULT_KAFKA_PORT,
          DEFAULT_MONGO_PORT,
          Clock.systemUTC(),
          c -> {},
          EnumSet.allOf(Role.class),
          null);
    }

    /**
     * Free ports everywhere and the given data folder (null for in-memory): for tests and bench.
     */
    public static Options ephemeral(Path dataDir) {
      return new Options(
          dataDir,
          dataDir == null,
          0,
          0,
          0,
          Clock.systemUTC(),
          c -> {},
          EnumSet.allOf(Role.class),
          null);
    }

    public Options withClock(Clock c) {
      return new Options(dataDir, inMemory, apiPort, kafkaPort, mongoPort, c, tweak, roles, config);
    }

    public Options withTweak(Consumer<JoblineConfiguration> t) {
      return new Options(dataDir, inMemory, apiPort, kafkaPort, mongoPort, clock, t, roles, config);
    }

    /** Runs only these roles beside the embedded infrastructure. */
    public Options withRoles(Set<Role> r) {
      return new Options(dataDir, inMemory, apiPort, kafkaPort, mongoPort, clock, tweak, r, config);
    }

    /**
     * Lays this YAML file over the standalone defaults (auth, limits, jobs, …), as the roles read
     * theirs.
     */
    public Options withConfig(Path file) {
      return new Options(
          dataDir, inMemory, apiPort, kafkaPort, mongoPort, clock, tweak, roles, file);
    }
  }

  private final EmbeddedMongo mongo;
  private final EmbeddedKafka kafka;
  private final Launcher.Running server;
  private final Path scratch;
  private final JoblineConfiguration config;
  private final JoblineApplication application;

  private final StartupTimeline timeline;
  private final DataDirLock lock;

  private Standalone(
      EmbeddedMongo mongo,
      EmbeddedKafka kafka,
      Launcher.Running server,
      Path scratch,
      JoblineConfiguration config,
      JoblineApplication application,
      StartupTimeline timeline,
      DataDirLock lock) {
    this.timeline = timeline;
    this.lock = lock;
    this.application = application;
    this.mongo = mongo;
    this.kafka = kafka;
    this.server = server;
    this.scratch = scratch;
    this.config = config;
  }

  public static Standalone start(Options options) throws Exception {
    Path scratch = options.inMemory() ? Files.createTempDirectory("jobline-") : null;
    Path root = options.inMemory() ? scratch : options.dataDir().toAbsolutePath();
    Files.createDirectories(root);
    DataDirLock lock = options.inMemory() ? null : DataDirLock.take(root);
    // the broker takes longest to start and needs nothing from the rest: it starts first, on its
    // own thread, while the configuration, the store and the roles' wiring get ready; the roles
    // wait for it only when they start
    int kafkaPort = options.kafkaPort() == 0 ? EmbeddedKafka.freePort() : options.kafkaPort();
    int controllerPort =
        options.kafkaPort() == 0 ? EmbeddedKafka.freePort() : options.kafkaPort() + 1;
    CompletableFuture<EmbeddedKafka> kafkaStarting = new CompletableFuture<>();
    StartupTimeline timeline = new StartupTimeline();
    LoggerFactory
        .getILoggerFactory(); // set up here, not by two threads at once (SLF4J then replays)
    Thread starter =
        new Thread(
            () -> {
              try {
                kafkaStarting.complete(
                    EmbeddedKafka.start(root.resolve("kafka"), kafkaPort, controllerPort));
                timeline.done("Kafka up (started beside the rest)");
              } catch (Throwable e) {
                kafkaStarting.completeExceptionally(e);
              }
            },
            "jobline-kafka-start");
    starter.setDaemon(true);
    starter.start();
    EmbeddedMongo mongo = null;
    try {
      JoblineConfiguration config =
          options.config() == null
              ? Launcher.loadResource("jobline-standalone.yml")
              : Launcher.loadOverlaid("jobline-standalone.yml", options.config());
      timeline.done("configuration read");
      options.tweak().accept(config);
      // with API keys or JWTs of its own, standalone is as closed as the roles: no made-up dev
      // token
      boolean ownAuth = !config.auth.apiKeys.isEmpty() || config.auth.jwt.enabled();
      if (config.auth.devToken == null || config.auth.devToken.isBlank()) {
        String fixed = System.getenv("JOBLINE_DEV_TOKEN");
        config.auth.devToken =
            fixed != null && !fixed.isBlank()
                ? fixed
                : ownAuth ? null : "dev-" + UUID.randomUUID().toString().replace("-", "");
      }
      Launcher.configureLogging(config);
      mongo =
          EmbeddedMongo.start(
              options.inMemory() ? null : root.resolve("mongo").resolve("jobline.h2"),
              options.mongoPort());
      timeline.done("store up");
      config.kafka.bootstrapServers = "localhost:" + kafkaPort;
      config.mongo.uri = mongo.uri();
      config.history.stateDir = root.resolve("streams").toString();
      config.jobs.builtins.auditLog.archiveDir =
          archiveDir(
              config.jobs.builtins.auditLog.archiveDir,
              System.getenv("JOBS_AUDIT_ARCHIVE_DIR"),
              root);
      SimpleServerFactory server = (SimpleServerFactory) config.getServerFactory();
      ((HttpConnectorFactory) server.getConnector()).setPort(options.apiPort());
      JoblineApplication app =
          new JoblineApplication(options.roles(), options.clock(), () -> started(kafkaStarting));
      Launcher.Running running = Launcher.start(app, config);
      timeline.done("roles and API started");
      return new Standalone(
          mongo, started(kafkaStarting), running, scratch, config, app, timeline, lock);
    } catch (Exception | Error e) {
      try {
        started(kafkaStarting).close();
      } catch (RuntimeException ignored) {
        // it did not start: nothing to close
      }
      if (mongo != null) {
        mongo.close();
      }
      if (lock != null) {
        lock.close();
      }
      throw e;
    }
  }

  /** The broker once it has started; what stopped it from starting, if it did not. */
  private static EmbeddedKafka started(CompletableFuture<EmbeddedKafka> starting) {
    try {
      return starting.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error r) {
        throw r;
      }
      throw e;
    }
  }

  public String apiUrl() {
    return "http://localhost:" + server.port();
  }

  public int apiPort() {
    return server.port();
  }

  public String bootstrapServers() {
    return kafka.bootstrapServers();
  }

  public String mongoUri() {
    return mongo.uri();
  }

  public String storeBackend() {
    return mongo.backend();
  }

  /**
   * The Dropwizard environment of the running server (its Jersey resources, health checks,
   * metrics).
   */
  public Environment environment() {
    return server.environment();
  }

  public JoblineApplication application() {
    return application;
  }

  /** The development admin token the API accepts. */
  public String devToken() {
    return config.auth.devToken;
  }

  public JoblineConfiguration config() {
    return config;
  }

  /** When each step of the start was done, from the JVM's start. */
  StartupTimeline timeline() {
    return timeline;
  }

  @Override
  public void close() throws Exception {
    stop(line -> {});
  }

  /**
   * Stops the API and the roles (running jobs get {@code executor.drain}, history commits), then
   * Kafka, then the store — in that order, so no role loses its broker or store while it stops —
   * telling {@code say} what it waits for and how long each took.
   */
  public void stop(Consumer<String> say) throws Exception {
    long t0 = System.nanoTime();
    try {
      say.accept(
          "stopping the API and the roles (running jobs get executor.drain = "
              + config.executor.drain
              + " to finish; history writes and commits what it folded)");
      server.close();
      say.accept("API and roles stopped in " + seconds(t0));
    } finally {
      long t1 = System.nanoTime();
      kafka.close();
      long t2 = System.nanoTime();
      mongo.close();
      say.accept("Kafka stopped in " + seconds(t1, t2) + ", the store in " + seconds(t2));
      if (lock != null) {
        lock.close();
      }
      if (scratch != null) {
        deleteTree(scratch);
      }
    }
  }

  private static String seconds(long from) {
    return seconds(from, System.nanoTime());
  }

  private static String seconds(long from, long to) {
    return String.format(Locale.ROOT, "%.1f s", (to - from) / 1e9);
  }

  /** Deletes a folder and all it holds. */
  static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /**
   * The audit-log archive's folder in {@code jobline-standalone.yml} when nothing else is given:
   * standalone puts it in its data folder instead (which {@code --data-dir} may move).
   */
  static final String ARCHIVE_DIR_UNLESS_GIVEN = "jobline-data/audit-archive";

  /**
   * Where standalone keeps the audit-log archive: the folder given (in a file, as a system property
   * or in {@code JOBS_AUDIT_ARCHIVE_DIR}), else {@code audit-archive} in its data folder. (It took
   * the data folder's unless the environment variable was set, so a folder given in a file or with
   * {@code -Djobline.jobs.builtins.auditLog.archiveDir} was ignored.)
   */
  static String archiveDir(String configured, String fromEnvironment, Path root) {
    if (fromEnvironment != null || !ARCHIVE_DIR_UNLESS_GIVEN.equals(configured)) {
      return configured;
    }
    return root.resolve("audit-archive").toString();
  }
}
