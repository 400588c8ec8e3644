package io.jobline.app;

import com.codahale.metrics.Histogram;
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
import io.jobline.api.AuditResource;
import io.jobline.api.Auditor;
import io.jobline.api.BodySizeLimit;
import io.jobline.api.CallerResource;
import io.jobline.api.ChainRunsResource;
import io.jobline.api.ChainsResource;
import io.jobline.api.CronResource;
import io.jobline.api.DeadLettersResource;
import io.jobline.api.ExecutorsResource;
import io.jobline.api.JobsResource;
import io.jobline.api.OpenApiResource;
import io.jobline.api.ProblemErrorHandler;
import io.jobline.api.ProblemMappers;
import io.jobline.api.RunStreams;
import io.jobline.api.RunsResource;
import io.jobline.api.ScheduleCheckResource;
import io.jobline.api.SchedulesResource;
import io.jobline.api.StatsResource;
import io.jobline.api.TenantBacklog;
import io.jobline.api.WriteRateLimit;
import io.jobline.api.auth.AuthFilter;
import io.jobline.api.auth.Authenticator;
import io.jobline.api.auth.RoleCheck;
import io.jobline.api.console.ConsoleServlet;
import io.jobline.chain.ChainLauncher;
import io.jobline.executor.Executor;
import io.jobline.executor.ExecutorHealthCheck;
import io.jobline.executor.ExecutorParts;
import io.jobline.executor.MongoClaimStore;
import io.jobline.executor.MongoPartitionLeases;
import io.jobline.executor.MongoTenantDirectory;
import io.jobline.health.ConsumerProgress;
import io.jobline.history.DeadLetterRecorder;
import io.jobline.history.History;
import io.jobline.history.HistoryTopology;
import io.jobline.history.StreamsHealthCheck;
import io.jobline.job.JobRegistry;
import io.jobline.job.ParamsValidator;
import io.jobline.scheduler.Emitter;
import io.jobline.scheduler.KafkaEmitter;
import io.jobline.scheduler.ReleasingRequestProducer;
import io.jobline.scheduler.Scheduler;
import io.jobline.scheduler.SchedulerHealthCheck;
import io.jobline.scheduler.chain.ChainEmitter;
import io.jobline.scheduler.chain.ChainOrchestrator;
import io.jobline.scheduler.chain.ChainsHealthCheck;
import io.jobline.scheduler.lease.MongoLeaseStore;
import io.jobline.store.AuditStore;
import io.jobline.store.CatalogueStore;
import io.jobline.store.ChainAwareRuns;
import io.jobline.store.ChainRunStore;
import io.jobline.store.ChainStore;
import io.jobline.store.ExecutorFleet;
import io.jobline.store.MongoCatalogueStore;
import io.jobline.store.MongoChainRunStore;
import io.jobline.store.MongoChainStore;
import io.jobline.store.MongoDeadLetterStore;
import io.jobline.store.MongoRunLogStore;
import io.jobline.store.MongoRunStore;
import io.jobline.store.MongoScheduleStore;
import io.jobline.store.MongoStatsStore;
import io.jobline.store.MongoTimerStore;
import io.jobline.store.StatsStore;
import io.jobline.store.TimerStore;
import io.jobline.topic.ControlProducer;
import io.jobline.topic.EventProducer;
import io.jobline.topic.RequestProducer;
import io.jobline.topic.TopicAdmin;
import io.jobline.topic.Topics;
import io.jobline.wire.Control;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
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
import java.util.function.Supplier;
import org.glassfish.jersey.server.ServerProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

  private final StoreWrites storeWrites = new StoreWrites();

  /** What this process wrote to MongoDB (for benchmarks and metrics). */
  public StoreWrites storeWrites() {
    return storeWrites;
  }

  /** The scheduler this application runs, if it runs that role (for benchmarks). */
  public Optional<Scheduler> scheduler() {
    return Optional.ofNullable(scheduler);
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

    CatalogueStore catalogue = new MongoCatalogueStore(db, clock);
    MongoRunStore runs = new MongoRunStore(db, clock).ensureIndexes();
    MongoScheduleStore schedules = new MongoScheduleStore(db).ensureIndexes();
    TimerStore timers = new MongoTimerStore(db).ensureIndexes();
    MongoRunLogStore runLogs = new MongoRunLogStore(db).ensureIndexes();
    StatsStore stats = new MongoStatsStore(db);
    ChainStore chains = new MongoChainStore(db, clock);
    ChainRunStore chainRuns = new MongoChainRunStore(db).ensureIndexes();
    RequestProducer requests =
        new RequestProducer(
            config.kafka,
            "jobline-"
                + String.join(
                    "-", roles.stream().map(r -> r.name().toLowerCase()).sorted().toList()));
    env.lifecycle().manage(closing(requests::close));

    if (roles.contains(Role.HISTORY)) {
      History history =
          new History(
              config.kafka,
              config.history,
              new HistoryTopology.Sinks(
                  runs, runLogs, stats::replace, new AuditStore(db).ensureIndexes()::putAll),
              config.topics.replicationFactor,
              clock);
      env.lifecycle()
          .manage(stopTold("history", history, () -> "its last commit and leaving the group"));
      ConsumerProgress progress =
          new ConsumerProgress(
              kafkaHealth.admin(),
              config.history.applicationId,
              List.of(
                  Topics.REQUESTS.name(),
                  Topics.EVENTS.name(),
                  HistoryTopology.repartitionTopic(config.history.applicationId)),
              Duration.ofMillis(config.history.stallAfter.toMilliseconds()),
              clock);
      env.lifecycle()
          .scheduledExecutorService("jobline-history-progress")
          .build()
          .scheduleWithFixedDelay(
              () -> {
                try {
                  progress.look();
                } catch (Exception e) {
                  LoggerFactory.getLogger(JoblineApplication.class)
                      .debug("history progress look failed", e);
                }
              },
              5,
              5,
              TimeUnit.SECONDS);
      env.healthChecks().register("history-streams", new StreamsHealthCheck(history, progress));
      env.lifecycle()
          .manage(
              new DeadLetterRecorder(config.kafka, new MongoDeadLetterStore(db).ensureIndexes()));
      env.metrics().gauge("jobline.history.runs_set_aside", () -> history.metrics()::runsSetAside);
    }
    if (roles.contains(Role.EXECUTOR)) {
      JobRegistry registry =
          JobRegistry.scan(
              config.jobs.scanned(),
              new ProcessJobResources(
                  () -> mongo, config.mongo.database, clock, List.of(config.jobs.builtins)));
      MongoDatabase tenantDb =
          config.tenants.database == null ? db : mongo.getDatabase(config.tenants.database);
      ExecutorParts parts =
          new ExecutorParts(
              new MongoClaimStore(db),
              timers,
              new MongoTenantDirectory(tenantDb, config.tenants),
              requests,
              new MongoPartitionLeases(db));
      Executor executor = new Executor(config.kafka, config.executor, registry, parts, clock);
      catalogue.publish(registry.descriptors(), executor.executorId());
      ChainScan.publish(
          config.jobs.scanned(),
          job -> registry.find(job).isPresent() || catalogue.find(job).isPresent(),
          chains);
      env.lifecycle()
          .manage(
              stopTold(
                  "the executor",
                  executor,
                  () ->
                      executor.runningJobs()
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
      ReleasingRequestProducer staging =
          new ReleasingRequestProducer(config.kafka, config.scheduler.transactionalId);
      Emitter toKafka = new KafkaEmitter(requests, schedulerEvents, staging);
      ChainOrchestrator orchestrator =
          chainOrchestrator(config, env, db, runs, timers, chainRuns, toKafka);
      env.lifecycle()
          .manage(stopTold("the chain orchestrator", orchestrator, () -> "its current cycle"));
      env.healthChecks().register("chain-orchestrator", new ChainsHealthCheck(orchestrator));
      chainsChanged = orchestrator::poke;
      ChainLauncher launcher = new ChainLauncher(chains, chainRuns, clock, orchestrator::poke);
      Scheduler scheduler =
          new Scheduler(
              schedules,
              timers,
              new MongoLeaseStore(db),
              new ChainAwareRuns(runs, chainRuns),
              new ChainEmitter(toKafka, launcher),
              config.scheduler,
              clock);
      this.scheduler = scheduler;
      env.lifecycle().manage(closing(staging::close));
      env.lifecycle()
          .manage(
              stopTold(
                  "the scheduler", scheduler, () -> "its current cycle and releasing its lease"));
      env.healthChecks().register("scheduler", new SchedulerHealthCheck(scheduler));
      // how late each scheduled run reached Kafka after its nominal time, in milliseconds
      Histogram lateness = env.metrics().histogram("jobline.scheduler.fire_lateness_ms");
      scheduler.addFireListener(
          (nominal, acked) ->
              lateness.update(Math.max(0, acked.toEpochMilli() - nominal.toEpochMilli())));
      schedulesChanged = scheduler::poke;
    }
    if (roles.contains(Role.API)) {
      if (!config.auth.configured()) {
        throw new IllegalStateException(
            "auth: the api needs auth.apiKeys, auth.jwt (hs256Secret or jwksUrl) "
                + "or auth.devToken (e.g. from JOBLINE_DEV_TOKEN) — nobody could call it otherwise");
      }
      env.jersey().register(new AuthFilter(new Authenticator(config.auth)));
      env.jersey().register(new RoleCheck());
      ProblemMappers.all().forEach(env.jersey()::register);
      env.jersey().register(new BodySizeLimit());
      // a flushed stream (server-sent events) goes out at once; Jetty still sets Content-Length on
      // small replies
      env.jersey().property(ServerProperties.OUTBOUND_CONTENT_LENGTH_BUFFER, 0);
      env.jersey().register(new WriteRateLimit(config.api.limits, clock));
      env.lifecycle()
          .addServerLifecycleListener(server -> server.setErrorHandler(new ProblemErrorHandler()));
      env.getApplicationContext().setErrorHandler(new ProblemErrorHandler());
      env.jersey().register(new JobsResource(catalogue, requests, new ParamsValidator(), clock));
      ControlProducer controls = new ControlProducer(config.kafka);
      env.lifecycle().manage(closing(controls::close));
      EventProducer auditEvents = new EventProducer(config.kafka, "jobline-api-audit");
      env.lifecycle().manage(closing(auditEvents::close));
      Auditor auditor = new Auditor(auditEvents::sendAndWait, clock);
      env.jersey().register(new AuditResource(new AuditStore(db).ensureIndexes()));
      EventProducer apiRunEvents = new EventProducer(config.kafka, "jobline-api-run-events");
      env.lifecycle().manage(closing(apiRunEvents::close));
      RunStreams runStreams =
          new RunStreams(
              runs,
              config.api.limits,
              config.api.streamTiming(),
              env.lifecycle().scheduledExecutorService("jobline-run-streams").threads(1).build());
      env.lifecycle().manage(closing(runStreams::close));
      env.metrics().gauge("jobline.api.open_streams", () -> runStreams::openStreams);
      env.jersey()
          .register(
              new RunsResource(
                  runs,
                  runLogs,
                  controls,
                  requests,
                  apiRunEvents,
                  catalogue,
                  runStreams,
                  auditor,
                  clock));
      TenantBacklog backlog =
          new TenantBacklog(
              kafkaHealth.admin(),
              config.kafka.clientProperties(),
              config.executor.groupId,
              List.of(Topics.REQUESTS.name(), Topics.REQUESTS_OVERFLOW.name()),
              TenantBacklog.DEFAULT_READ_AT_MOST,
              TenantBacklog.DEFAULT_FRESH,
              clock);
      env.lifecycle().manage(closing(backlog::close));
      env.jersey().register(new StatsResource(stats, runs, backlog, clock));
      env.jersey()
          .register(
              new DeadLettersResource(
                  new DeadLettersResource.Deps(
                      new MongoDeadLetterStore(db),
                      runs,
                      catalogue,
                      requests,
                      apiRunEvents,
                      auditor,
                      clock)));
      EventProducer apiEvents = new EventProducer(config.kafka, "jobline-api-events");
      env.lifecycle().manage(closing(apiEvents::close));
      ChainLauncher chainLauncher = new ChainLauncher(chains, chainRuns, clock, chainsChanged);
      SchedulesResource.Deps scheduleDeps =
          new SchedulesResource.Deps(
              schedules,
              catalogue,
              new ChainAwareRuns(runs, chainRuns),
              requests,
              apiEvents,
              clock,
              schedulesChanged,
              chainLauncher,
              auditor);
      env.jersey().register(new SchedulesResource(scheduleDeps));
      env.jersey().register(new ScheduleCheckResource(scheduleDeps));
      env.jersey().register(new CronResource(clock));
      env.jersey()
          .register(
              new ChainsResource(chains, catalogue, chainLauncher, new ParamsValidator(), auditor));
      env.jersey().register(new ChainRunsResource(chainRuns, chainsChanged, auditor));
      env.jersey().register(new OpenApiResource());
      env.jersey().register(new CallerResource());
      env.jersey().register(new ExecutorsResource(new ExecutorFleet(db), clock));
      // the console's page and files (no token: its data calls carry one); "" is the context root,
      // /
      env.servlets().addServlet("console", new ConsoleServlet()).addMapping("", "/console/*");
    }

    PrometheusRegistry prometheus = new PrometheusRegistry();
    DropwizardExports.builder().dropwizardRegistry(env.metrics()).register(prometheus);
    env.admin()
        .addServlet("prometheus", new PrometheusMetricsServlet(prometheus))
        .addMapping("/prometheus");
  }

  /**
   * The chain orchestrator of the scheduler role: its own lease, cancels through jobline.control.
   */
  private ChainOrchestrator chainOrchestrator(
      JoblineConfiguration config,
      Environment env,
      MongoDatabase db,
      MongoRunStore runs,
      TimerStore timers,
      ChainRunStore chainRuns,
      Emitter toKafka) {
    ControlProducer controls = new ControlProducer(config.kafka);
    env.lifecycle().manage(closing(controls::close));
    ChainOrchestrator.Parts parts =
        new ChainOrchestrator.Parts(
            chainRuns,
            runs,
            timers,
            new MongoLeaseStore(db),
            toKafka,
            runId ->
                controls.sendAndWait(
                    new Control(RunId.of(runId), Control.CANCEL, clock.instant(), "chain", null)));
    String id =
        (config.scheduler.schedulerId != null
                ? config.scheduler.schedulerId
                : "scheduler-" + ProcessHandle.current().pid())
            + "-chains-"
            + Long.toHexString(System.nanoTime() & 0xffff);
    return new ChainOrchestrator(
        parts,
        Duration.ofMillis(config.scheduler.chainInterval.toMilliseconds()),
        Duration.ofMillis(config.scheduler.leaseTtl.toMilliseconds()),
        id,
        clock);
  }

  /** {@code role}, saying when it stops what the stop waits for and how long it took. */
  private static Managed stopTold(String what, Managed role, Supplier<String> waitsFor) {
    return new Managed() {
      @Override
      public void start() throws Exception {
        role.start();
      }

      @Override
      public void stop() throws Exception {
        Logger log = LoggerFactory.getLogger(JoblineApplication.class);
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
