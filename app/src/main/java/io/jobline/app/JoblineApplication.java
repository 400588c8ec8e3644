package io.jobline.app;

import static io.jobline.app.Lifecycles.closing;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import io.dropwizard.core.Application;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.lifecycle.Managed;
import io.jobline.history.History;
import io.jobline.scheduler.Scheduler;
import io.jobline.topic.RequestProducer;
import io.jobline.topic.TopicAdmin;
import io.jobline.topic.Topics;
import io.jobline.wire.Json;
import io.jobline.wire.WireLimits;
import io.prometheus.metrics.exporter.servlet.jakarta.PrometheusMetricsServlet;
import io.prometheus.metrics.instrumentation.dropwizard.DropwizardExports;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Wires the configured roles: config, then stores, then each role (its own wiring class), then
 * registration.
 */
public final class JoblineApplication extends Application<JoblineConfiguration> {
  private final Set<Role> roles;
  private final Clock clock;
  private Scheduler scheduler;
  private History history;

  public JoblineApplication(Set<Role> roles, Clock clock) {
    this(roles, clock, () -> {});
  }

  /**
   * @param kafkaReady waits until the Kafka cluster can be reached (standalone starts its broker
   *     beside the wiring), or throws why it cannot; called before the roles start
   */
  public JoblineApplication(Set<Role> roles, Clock clock, Runnable kafkaReady) {
    this.roles = Set.copyOf(roles);
    this.clock = clock;
    this.kafkaReady = kafkaReady;
  }

  private final Runnable kafkaReady;

  private final StoreWrites storeWrites = new StoreWrites();

  /** What this process wrote to MongoDB (for benchmarks and metrics). */
  public StoreWrites storeWrites() {
    return storeWrites;
  }

  /** The scheduler this application runs, if it runs that role (for benchmarks). */
  public Optional<Scheduler> scheduler() {
    return Optional.ofNullable(scheduler);
  }

  /** The history role this application runs, if it runs it (for benchmarks). */
  public Optional<History> history() {
    return Optional.ofNullable(history);
  }

  @Override
  public String getName() {
    return "jobline";
  }

  /**
   * Leaves logging alone: the process sets it up (CliLogging until a configuration's logging
   * section applies). Dropwizard's default, called from the constructor, would put a console
   * appender on stdout over what is already configured.
   */
  @Override
  protected void bootstrapLogging() {}

  /** Dropwizard reads and writes JSON with the same factory (limits, UTF-8) as every role. */
  @Override
  public void initialize(Bootstrap<JoblineConfiguration> bootstrap) {
    bootstrap.setObjectMapper(Json.configure(Jackson.newObjectMapper(Json.factory())));
  }

  @Override
  public void run(JoblineConfiguration config, Environment env) {
    List<String> problems = SettingsChecks.forRoles(config, roles);
    if (!problems.isEmpty()) {
      throw new IllegalStateException(String.join("; ", problems));
    }
    WireLimits.setMaxDepth(config.limits.maxDepth);
    Json.configure(env.getObjectMapper());
    ConnectionString uri = new ConnectionString(config.mongo.uri);
    MongoClient mongo =
        MongoClients.create(
            MongoClientSettings.builder()
                .applyToClusterSettings(c -> c.serverSelectionTimeout(5, TimeUnit.SECONDS))
                .applyConnectionString(
                    uri) // a serverSelectionTimeoutMS in the URI wins over the 5 s above
                .addCommandListener(storeWrites)
                .build());
    env.metrics().gauge("jobline.store.write_commands", () -> storeWrites::commands);
    env.metrics().gauge("jobline.store.documents_written", () -> storeWrites::documents);
    env.lifecycle().manage(closing(mongo::close));
    MongoDatabase db = mongo.getDatabase(config.mongo.database);
    // the first thing to start, before any role: the wiring below needs no Kafka, the roles do
    env.lifecycle()
        .manage(
            new Managed() {
              @Override
              public void start() {
                kafkaReady.run();
                TopicAdmin.ensureTopics(
                    config.kafka, config.topics, Topics.all(), Duration.ofSeconds(60));
              }
            });

    KafkaHealthCheck kafkaHealth = new KafkaHealthCheck(config.kafka);
    env.lifecycle().manage(closing(kafkaHealth::close));
    env.healthChecks().register("kafka", kafkaHealth);
    env.healthChecks()
        .register(
            "mongo",
            new MongoHealthCheck(
                db,
                "jobline-"
                    + ProcessHandle.current().pid()
                    + "-"
                    + Integer.toHexString(System.identityHashCode(this)),
                clock));

    RoleParts.Stores stores = RoleParts.Stores.open(mongo, db, clock);
    RequestProducer requests =
        new RequestProducer(
            config.kafka,
            "jobline-"
                + String.join(
                    "-", roles.stream().map(r -> r.name().toLowerCase()).sorted().toList()));
    env.lifecycle().manage(closing(requests::close));
    RoleParts parts = new RoleParts(config, env, clock, kafkaHealth, requests, stores);

    if (roles.contains(Role.HISTORY)) {
      this.history = HistoryWiring.wire(parts);
    }
    if (roles.contains(Role.EXECUTOR)) {
      ExecutorWiring.wire(parts);
    }
    Runnable schedulesChanged = () -> {};
    Runnable chainsChanged = () -> {};
    if (roles.contains(Role.SCHEDULER)) {
      SchedulerWiring.Wired wired = SchedulerWiring.wire(parts);
      this.scheduler = wired.scheduler();
      schedulesChanged = wired.schedulesChanged();
      chainsChanged = wired.chainsChanged();
    }
    if (roles.contains(Role.API)) {
      ApiWiring.wire(parts, schedulesChanged, chainsChanged);
    }

    PrometheusRegistry prometheus = new PrometheusRegistry();
    DropwizardExports.builder().dropwizardRegistry(env.metrics()).register(prometheus);
    env.admin()
        .addServlet("prometheus", new PrometheusMetricsServlet(prometheus))
        .addMapping("/prometheus");
  }
}
