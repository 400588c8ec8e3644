package io.jobline.app;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import io.dropwizard.core.Application;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.lifecycle.Managed;
import io.jobline.api.JobsResource;
import io.jobline.api.ProblemMappers;
import io.jobline.api.RunsResource;
import io.jobline.api.SchedulesResource;
import io.jobline.api.CronResource;
import io.jobline.api.ScheduleCheckResource;
import io.jobline.executor.Executor;
import io.jobline.executor.ExecutorHealthCheck;
import io.jobline.executor.ExecutorParts;
import io.jobline.history.History;
import io.jobline.history.StreamsHealthCheck;
import io.jobline.job.JobRegistry;
import io.jobline.job.ParamsValidator;
import io.jobline.scheduler.Scheduler;
import io.jobline.scheduler.SchedulerHealthCheck;
import io.jobline.scheduler.chain.ChainEmitter;
import io.jobline.scheduler.chain.ChainOrchestrator;
import io.jobline.store.CatalogueStore;
import io.jobline.scheduler.lease.MongoLeaseStore;
import io.jobline.store.MongoTimerStore;
import io.jobline.topic.EventProducer;
import io.jobline.scheduler.Emitter;
import io.jobline.store.MongoRunStore;
import io.jobline.executor.MongoClaimStore;
import io.jobline.store.MongoScheduleStore;
import io.jobline.executor.TenantDirectory;
import io.jobline.store.TimerStore;
import io.jobline.topic.ControlProducer;
import io.jobline.scheduler.ReleasingRequestProducer;
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
import java.util.Set;

/** Wires the configured roles: config, then stores, then handlers, then registration. */
public final class JoblineApplication extends Application<JoblineConfiguration> {
  private final Set<Role> roles;
  private final Clock clock;
  private Scheduler scheduler;

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

  private final io.jobline.app.StoreWrites storeWrites = new io.jobline.app.StoreWrites();

  /** What this process wrote to MongoDB (for benchmarks and metrics). */
  public io.jobline.app.StoreWrites storeWrites() {
    return storeWrites;
  }

  /** The scheduler this application runs, if it runs that role (for benchmarks). */
  public java.util.Optional<Scheduler> scheduler() {
    return java.util.Optional.ofNullable(scheduler);
  }

  @Override
  public String getName() {
    return "jobline";
  }

  /**
   * Leaves logging alone: the process sets it up (CliLogging until a configuration's logging section
   * applies). Dropwizard's default, called from the constructor, would put a console appender on
   * stdout over what is already configured.
   */
  @Override
  protected void bootstrapLogging() {
  }

  /** Dropwizard reads and writes JSON with the same factory (limits, UTF-8) as every role. */
  @Override
  public void initialize(io.dropwizard.core.setup.Bootstrap<JoblineConfiguration> bootstrap) {
    bootstrap.setObjectMapper(Json.configure(io.dropwizard.jackson.Jackson.newObjectMapper(Json.factory())));
  }

  @Override
  public void run(JoblineConfiguration config, Environment env) {
    WireLimits.setMaxDepth(config.limits.maxDepth);
    Json.configure(env.getObjectMapper());
    com.mongodb.ConnectionString uri = new com.mongodb.ConnectionString(config.mongo.uri);
    MongoClient mongo = MongoClients.create(com.mongodb.MongoClientSettings.builder()
        .applyToClusterSettings(c -> c.serverSelectionTimeout(5, java.util.concurrent.TimeUnit.SECONDS))
        .applyConnectionString(uri) // a serverSelectionTimeoutMS in the URI wins over the 5 s above
        .addCommandListener(storeWrites).build());
    env.metrics().gauge("jobline.store.write_commands", () -> storeWrites::commands);
    env.metrics().gauge("jobline.store.documents_written", () -> storeWrites::documents);
    env.lifecycle().manage(closing(mongo::close));
    MongoDatabase db = mongo.getDatabase(config.mongo.database);
    // the first thing to start, before any role: the wiring below needs no Kafka, the roles do
    env.lifecycle().manage(new Managed() {
      @Override
      public void start() {
        kafkaReady.run();
        TopicAdmin.ensureTopics(config.kafka, config.topics, Topics.all(), Duration.ofSeconds(60));
      }
    });

    KafkaHealthCheck kafkaHealth = new KafkaHealthCheck(config.kafka);
    env.lifecycle().manage(closing(kafkaHealth::close));
    env.healthChecks().register("kafka", kafkaHealth);
    env.healthChecks().register("mongo", new MongoHealthCheck(db,
        "jobline-" + ProcessHandle.current().pid() + "-" + Integer.toHexString(System.identityHashCode(this)), clock));

    CatalogueStore catalogue = new CatalogueStore(db, clock);
    MongoRunStore runs = new MongoRunStore(db, clock).ensureIndexes();
    MongoScheduleStore schedules = new MongoScheduleStore(db).ensureIndexes();
    TimerStore timers = new MongoTimerStore(db).ensureIndexes();
    io.jobline.store.MongoRunLogStore runLogs = new io.jobline.store.MongoRunLogStore(db).ensureIndexes();
    io.jobline.store.StatsStore stats = new io.jobline.store.StatsStore(db);
    io.jobline.store.ChainStore chains = new io.jobline.store.MongoChainStore(db, clock);
    io.jobline.store.ChainRunStore chainRuns = new io.jobline.store.MongoChainRunStore(db).ensureIndexes();
    RequestProducer requests = new RequestProducer(config.kafka, "jobline-" + String.join("-",
        roles.stream().map(r -> r.name().toLowerCase()).sorted().toList()));
    env.lifecycle().manage(closing(requests::close));

    if (roles.contains(Role.HISTORY)) {
      History history = new History(config.kafka, config.history,
          new io.jobline.history.HistoryTopology.Sinks(runs, runLogs, stats::replace,
              new io.jobline.store.AuditStore(db).ensureIndexes()::putAll), config.topics.replicationFactor,
          clock);
      env.lifecycle().manage(stopTold("history", history, () -> "its last commit and leaving the group"));
      io.jobline.health.ConsumerProgress progress = new io.jobline.health.ConsumerProgress(kafkaHealth.admin(),
          config.history.applicationId, java.util.List.of(Topics.REQUESTS.name(), Topics.EVENTS.name(),
              io.jobline.history.HistoryTopology.repartitionTopic(config.history.applicationId)),
          Duration.ofMillis(config.history.stallAfter.toMilliseconds()), clock);
      env.lifecycle().scheduledExecutorService("jobline-history-progress").build().scheduleWithFixedDelay(() -> {
        try {
          progress.look();
        } catch (Exception e) {
          org.slf4j.LoggerFactory.getLogger(JoblineApplication.class).debug("history progress look failed", e);
        }
      }, 5, 5, java.util.concurrent.TimeUnit.SECONDS);
      env.healthChecks().register("history-streams", new StreamsHealthCheck(history, progress));
      env.lifecycle().manage(new io.jobline.history.DeadLetterRecorder(config.kafka,
          new io.jobline.store.MongoDeadLetterStore(db).ensureIndexes()));
      env.metrics().gauge("jobline.history.runs_set_aside", () -> history.metrics()::runsSetAside);
    }
    if (roles.contains(Role.EXECUTOR)) {
      JobRegistry registry = JobRegistry.scan(config.jobs.scanned(),
          new ProcessJobResources(() -> mongo, config.mongo.database, clock, java.util.List.of(config.jobs.builtins)));
      MongoDatabase tenantDb = config.tenants.database == null ? db : mongo.getDatabase(config.tenants.database);
      ExecutorParts parts = new ExecutorParts(new MongoClaimStore(db), timers,
          new TenantDirectory(tenantDb, config.tenants), requests, new io.jobline.executor.MongoPartitionLeases(db));
      Executor executor = new Executor(config.kafka, config.executor, registry, parts, clock);
      catalogue.publish(registry.descriptors(), executor.executorId());
      io.jobline.app.ChainScan.publish(config.jobs.scanned(),
          job -> registry.find(job).isPresent() || catalogue.find(job).isPresent(), chains);
      env.lifecycle().manage(stopTold("the executor", executor, () -> executor.runningJobs()
          + " running job(s) to end or be handed back (at most executor.drain) and its last commit"));
      env.healthChecks().register("executor", new ExecutorHealthCheck(executor));
      env.metrics().gauge("jobline.executor.runs_started", () -> executor::startedRuns);
      env.metrics().gauge("jobline.executor.dead_lettered", () -> executor::deadLettered);
      env.metrics().gauge("jobline.executor.duplicates_skipped", () -> executor::duplicatesSkipped);
    }
    Runnable schedulesChanged = () -> {};
    Runnable chainsChanged = () -> {};
    if (roles.contains(Role.SCHEDULER)) {
      EventProducer schedulerEvents = new EventProducer(config.kafka, "jobline-scheduler-events");
      env.lifecycle().manage(closing(schedulerEvents::close));
      ReleasingRequestProducer staging = new ReleasingRequestProducer(config.kafka, config.scheduler.transactionalId);
      Emitter toKafka = new io.jobline.scheduler.KafkaEmitter(requests, schedulerEvents, staging);
      ChainOrchestrator orchestrator = chainOrchestrator(config, env, db, runs, timers, chainRuns, toKafka);
      env.lifecycle().manage(stopTold("the chain orchestrator", orchestrator, () -> "its current cycle"));
      env.healthChecks().register("chain-orchestrator", new io.jobline.scheduler.chain.ChainsHealthCheck(orchestrator));
      chainsChanged = orchestrator::poke;
      io.jobline.chain.ChainLauncher launcher = new io.jobline.chain.ChainLauncher(chains, chainRuns, clock, orchestrator::poke);
      Scheduler scheduler = new Scheduler(schedules, timers, new MongoLeaseStore(db),
          new io.jobline.store.ChainAwareRuns(runs, chainRuns),
          new ChainEmitter(toKafka, launcher), config.scheduler, clock);
      this.scheduler = scheduler;
      env.lifecycle().manage(closing(staging::close));
      env.lifecycle().manage(stopTold("the scheduler", scheduler, () -> "its current cycle and releasing its lease"));
      env.healthChecks().register("scheduler", new SchedulerHealthCheck(scheduler));
      // how late each scheduled run reached Kafka after its nominal time, in milliseconds
      com.codahale.metrics.Histogram lateness = env.metrics().histogram("jobline.scheduler.fire_lateness_ms");
      scheduler.addFireListener((nominal, acked) -> lateness.update(Math.max(0, acked.toEpochMilli() - nominal.toEpochMilli())));
      schedulesChanged = scheduler::poke;
    }
    if (roles.contains(Role.API)) {
      if (!config.auth.configured()) {
        throw new IllegalStateException("auth: the api needs auth.apiKeys, auth.jwt (hs256Secret or jwksUrl) "
            + "or auth.devToken (e.g. from JOBLINE_DEV_TOKEN) — nobody could call it otherwise");
      }
      env.jersey().register(new io.jobline.api.auth.AuthFilter(new io.jobline.api.auth.Authenticator(config.auth)));
      env.jersey().register(new io.jobline.api.auth.RoleCheck());
      ProblemMappers.all().forEach(env.jersey()::register);
      env.jersey().register(new io.jobline.api.BodySizeLimit());
      // a flushed stream (server-sent events) goes out at once; Jetty still sets Content-Length on small replies
      env.jersey().property(org.glassfish.jersey.server.ServerProperties.OUTBOUND_CONTENT_LENGTH_BUFFER, 0);
      env.jersey().register(new io.jobline.api.WriteRateLimit(config.api.limits, clock));
      env.lifecycle().addServerLifecycleListener(server -> server.setErrorHandler(new io.jobline.api.ProblemErrorHandler()));
      env.getApplicationContext().setErrorHandler(new io.jobline.api.ProblemErrorHandler());
      env.jersey().register(new JobsResource(catalogue, requests, new ParamsValidator(), clock));
      ControlProducer controls = new ControlProducer(config.kafka);
      env.lifecycle().manage(closing(controls::close));
      EventProducer auditEvents = new EventProducer(config.kafka, "jobline-api-audit");
      env.lifecycle().manage(closing(auditEvents::close));
      io.jobline.api.Auditor auditor = new io.jobline.api.Auditor(auditEvents::sendAndWait, clock);
      env.jersey().register(new io.jobline.api.AuditResource(new io.jobline.store.AuditStore(db).ensureIndexes()));
      EventProducer apiRunEvents = new EventProducer(config.kafka, "jobline-api-run-events");
      env.lifecycle().manage(closing(apiRunEvents::close));
      io.jobline.api.RunStreams runStreams = new io.jobline.api.RunStreams(runs, config.api.limits,
          config.api.streamTiming(), env.lifecycle().scheduledExecutorService("jobline-run-streams").threads(1).build());
      env.lifecycle().manage(closing(runStreams::close));
      env.metrics().gauge("jobline.api.open_streams", () -> runStreams::openStreams);
      env.jersey().register(new RunsResource(runs, runLogs, controls, requests, apiRunEvents, catalogue, runStreams,
          auditor, clock));
      io.jobline.api.TenantBacklog backlog = new io.jobline.api.TenantBacklog(kafkaHealth.admin(),
          config.kafka.clientProperties(), config.executor.groupId,
          java.util.List.of(Topics.REQUESTS.name(), Topics.REQUESTS_OVERFLOW.name()),
          io.jobline.api.TenantBacklog.DEFAULT_READ_AT_MOST, io.jobline.api.TenantBacklog.DEFAULT_FRESH, clock);
      env.lifecycle().manage(closing(backlog::close));
      env.jersey().register(new io.jobline.api.StatsResource(stats, runs, backlog, clock));
      env.jersey().register(new io.jobline.api.DeadLettersResource(new io.jobline.api.DeadLettersResource.Deps(
          new io.jobline.store.MongoDeadLetterStore(db), runs, catalogue, requests, apiRunEvents, auditor, clock)));
      EventProducer apiEvents = new EventProducer(config.kafka, "jobline-api-events");
      env.lifecycle().manage(closing(apiEvents::close));
      io.jobline.chain.ChainLauncher chainLauncher = new io.jobline.chain.ChainLauncher(chains, chainRuns, clock, chainsChanged);
      SchedulesResource.Deps scheduleDeps = new SchedulesResource.Deps(schedules, catalogue,
          new io.jobline.store.ChainAwareRuns(runs, chainRuns),
          requests, apiEvents, clock, schedulesChanged, chainLauncher, auditor);
      env.jersey().register(new SchedulesResource(scheduleDeps));
      env.jersey().register(new ScheduleCheckResource(scheduleDeps));
      env.jersey().register(new CronResource(clock));
      env.jersey().register(new io.jobline.api.ChainsResource(chains, catalogue, chainLauncher, new ParamsValidator(), auditor));
      env.jersey().register(new io.jobline.api.ChainRunsResource(chainRuns, chainsChanged, auditor));
      env.jersey().register(new io.jobline.api.OpenApiResource());
      env.jersey().register(new io.jobline.api.CallerResource());
      env.jersey().register(new io.jobline.api.ExecutorsResource(new io.jobline.store.ExecutorFleet(db), clock));
      // the console's page and files (no token: its data calls carry one); "" is the context root, /
      env.servlets().addServlet("console", new io.jobline.api.console.ConsoleServlet()).addMapping("", "/console/*");
    }

    PrometheusRegistry prometheus = new PrometheusRegistry();
    DropwizardExports.builder().dropwizardRegistry(env.metrics()).register(prometheus);
    env.admin().addServlet("prometheus", new PrometheusMetricsServlet(prometheus)).addMapping("/prometheus");
  }

  /** The chain orchestrator of the scheduler role: its own lease, cancels through jobline.control. */
  private ChainOrchestrator chainOrchestrator(JoblineConfiguration config, Environment env, MongoDatabase db,
      MongoRunStore runs, TimerStore timers, io.jobline.store.ChainRunStore chainRuns, Emitter toKafka) {
    ControlProducer controls = new ControlProducer(config.kafka);
    env.lifecycle().manage(closing(controls::close));
    ChainOrchestrator.Parts parts = new ChainOrchestrator.Parts(chainRuns, runs, timers, new MongoLeaseStore(db), toKafka,
        runId -> controls.sendAndWait(new io.jobline.wire.Control(io.jobline.wire.RunId.of(runId),
            io.jobline.wire.Control.CANCEL, clock.instant(), "chain", null)));
    String id = (config.scheduler.schedulerId != null ? config.scheduler.schedulerId : "scheduler-" + ProcessHandle.current().pid())
        + "-chains-" + Long.toHexString(System.nanoTime() & 0xffff);
    return new ChainOrchestrator(parts, Duration.ofMillis(config.scheduler.chainInterval.toMilliseconds()),
        Duration.ofMillis(config.scheduler.leaseTtl.toMilliseconds()), id, clock);
  }

  /** {@code role}, saying when it stops what the stop waits for and how long it took. */
  private static Managed stopTold(String what, Managed role, java.util.function.Supplier<String> waitsFor) {
    return new Managed() {
      @Override
      public void start() throws Exception {
        role.start();
      }

      @Override
      public void stop() throws Exception {
        org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(JoblineApplication.class);
        log.info("Stopping {}: waiting for {}", what, waitsFor.get());
        long t0 = System.nanoTime();
        role.stop();
        log.info("Stopped {} in {} ms", what, (System.nanoTime() - t0) / 1_000_000);
      }
    };
  }

  private static Managed closing(Runnable close) {
    return new Managed() {
      @Override
      public void stop() {
        close.run();
      }
    };
  }
}
