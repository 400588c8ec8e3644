package io.jobline.app;

import static io.jobline.app.Lifecycles.closing;

import io.dropwizard.core.setup.Environment;
import io.dropwizard.jersey.setup.JerseyEnvironment;
import io.jobline.api.AcceptedRuns;
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
import io.jobline.api.RequestedRuns;
import io.jobline.api.RunStreams;
import io.jobline.api.RunsResource;
import io.jobline.api.ScheduleCheckResource;
import io.jobline.api.SchedulesResource;
import io.jobline.api.StatsResource;
import io.jobline.api.TenantBacklog;
import io.jobline.api.UnreadBodyDrain;
import io.jobline.api.WriteRateLimit;
import io.jobline.api.auth.AuthFilter;
import io.jobline.api.auth.Authenticator;
import io.jobline.api.auth.RoleCheck;
import io.jobline.api.console.ConsoleServlet;
import io.jobline.chain.ChainLauncher;
import io.jobline.job.ParamsValidator;
import io.jobline.store.CachedCatalogue;
import io.jobline.store.CatalogueStore;
import io.jobline.store.ChainAwareRuns;
import io.jobline.store.MongoAuditStore;
import io.jobline.store.MongoDeadLetterStore;
import io.jobline.store.MongoExecutorFleet;
import io.jobline.topic.ControlProducer;
import io.jobline.topic.EventProducer;
import io.jobline.topic.Topics;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.glassfish.jersey.server.ServerProperties;

/**
 * Wires the api role: authentication and the filters every request passes, the REST resources with
 * the producers they send through, and the console's pages.
 */
final class ApiWiring {
  /**
   * How long the api answers a job's catalogue entry from memory: a new version an executor
   * publishes shows within it.
   */
  static final Duration CATALOGUE_FRESH = Duration.ofSeconds(1);

  private ApiWiring() {}

  /**
   * @param schedulesChanged tells this process's scheduler, if it runs one, that a schedule changed
   * @param chainsChanged tells this process's chain orchestrator, if it runs one, that a chain run
   *     changed
   */
  static void wire(RoleParts parts, Runnable schedulesChanged, Runnable chainsChanged) {
    JoblineConfiguration config = parts.config();
    Environment env = parts.env();
    Clock clock = parts.clock();
    RoleParts.Stores stores = parts.stores();
    // a run asked for reads its job's entry: from memory for a second, not from MongoDB each time
    CatalogueStore catalogue = new CachedCatalogue(stores.catalogue(), clock, CATALOGUE_FRESH);
    JerseyEnvironment jersey = env.jersey();
    jersey.register(new AuthFilter(new Authenticator(config.auth)));
    jersey.register(new RoleCheck());
    ProblemMappers.all().forEach(jersey::register);
    jersey.register(new BodySizeLimit());
    jersey.register(new UnreadBodyDrain());
    // a flushed stream (server-sent events) goes out at once; Jetty still sets Content-Length on
    // small replies
    jersey.property(ServerProperties.OUTBOUND_CONTENT_LENGTH_BUFFER, 0);
    jersey.register(new WriteRateLimit(config.api.limits, clock));
    env.lifecycle()
        .addServerLifecycleListener(server -> server.setErrorHandler(new ProblemErrorHandler()));
    env.getApplicationContext().setErrorHandler(new ProblemErrorHandler());
    // a run another api process accepted (or a scheduler fired) a moment ago, which history still
    // holds back, is looked for on the requests topic: a 202's status_url answers on every api
    RequestedRuns requested =
        new RequestedRuns(
            config.kafka.clientProperties(),
            clock,
            config.history.holdQueued.toJavaDuration().plus(RequestedRuns.BEHIND_MARGIN));
    env.lifecycle().manage(closing(requested::close));
    AcceptedRuns accepted = new AcceptedRuns(requested);
    MongoDeadLetterStore deadLetters = new MongoDeadLetterStore(stores.db());
    jersey.register(
        new JobsResource(
            catalogue,
            parts.requests(),
            new ParamsValidator(),
            accepted,
            stores.runs(),
            deadLetters,
            clock));
    ControlProducer controls = new ControlProducer(config.kafka);
    env.lifecycle().manage(closing(controls::close));
    EventProducer auditEvents = new EventProducer(config.kafka, "jobline-api-audit");
    env.lifecycle().manage(closing(auditEvents::close));
    Auditor auditor = Auditor.sending(auditEvents::send, clock);
    env.lifecycle().manage(closing(auditor::close)); // (stopped before its producer)
    jersey.register(new AuditResource(new MongoAuditStore(stores.db()).ensureIndexes()));
    EventProducer apiRunEvents = new EventProducer(config.kafka, "jobline-api-run-events");
    env.lifecycle().manage(closing(apiRunEvents::close));
    RunStreams runStreams =
        new RunStreams(
            stores.runs(),
            accepted::kept,
            accepted::fresher,
            config.api.limits,
            config.api.streamTiming(),
            env.lifecycle().scheduledExecutorService("jobline-run-streams").threads(1).build());
    env.lifecycle().manage(closing(runStreams::close));
    env.metrics().gauge("jobline.api.open_streams", () -> runStreams::openStreams);
    jersey.register(
        new RunsResource(
            stores.runs(),
            stores.runLogs(),
            controls,
            parts.requests(),
            apiRunEvents,
            catalogue,
            runStreams,
            auditor,
            accepted,
            deadLetters,
            stores.chainRuns(),
            clock));
    TenantBacklog backlog =
        new TenantBacklog(
            parts.kafkaHealth().admin(),
            config.kafka.clientProperties(),
            config.executor.groupId,
            List.of(Topics.REQUESTS.name(), Topics.REQUESTS_OVERFLOW.name()),
            TenantBacklog.DEFAULT_READ_AT_MOST,
            TenantBacklog.DEFAULT_FRESH,
            clock);
    env.lifecycle().manage(closing(backlog::close));
    jersey.register(new StatsResource(stores.stats(), stores.runs(), backlog, clock));
    jersey.register(
        new DeadLettersResource(
            new DeadLettersResource.Deps(
                deadLetters,
                stores.runs(),
                catalogue,
                parts.requests(),
                apiRunEvents,
                auditor,
                accepted,
                stores.chainRuns(),
                clock)));
    EventProducer apiEvents = new EventProducer(config.kafka, "jobline-api-events");
    env.lifecycle().manage(closing(apiEvents::close));
    ChainLauncher chainLauncher =
        new ChainLauncher(stores.chains(), stores.chainRuns(), clock, chainsChanged);
    SchedulesResource.Deps scheduleDeps =
        new SchedulesResource.Deps(
            stores.schedules(),
            catalogue,
            new ChainAwareRuns(stores.runs(), stores.chainRuns()),
            parts.requests(),
            apiEvents,
            clock,
            schedulesChanged,
            chainLauncher,
            auditor,
            accepted);
    jersey.register(new SchedulesResource(scheduleDeps));
    jersey.register(new ScheduleCheckResource(scheduleDeps));
    jersey.register(new CronResource(clock));
    jersey.register(
        new ChainsResource(
            stores.chains(), catalogue, chainLauncher, new ParamsValidator(), auditor));
    jersey.register(new ChainRunsResource(stores.chainRuns(), chainsChanged, auditor));
    jersey.register(new OpenApiResource());
    jersey.register(new CallerResource());
    jersey.register(new ExecutorsResource(new MongoExecutorFleet(stores.db()), clock));
    // the console's page and files (no token: its data calls carry one); "" is the context root,
    // /
    env.servlets().addServlet("console", new ConsoleServlet()).addMapping("", "/console/*");
  }
}
