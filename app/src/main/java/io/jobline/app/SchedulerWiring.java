package io.jobline.app;

import static io.jobline.app.Lifecycles.closing;
import static io.jobline.app.Lifecycles.stopTold;

import com.codahale.metrics.Histogram;
import io.dropwizard.core.setup.Environment;
import io.jobline.chain.ChainLauncher;
import io.jobline.scheduler.Emitter;
import io.jobline.scheduler.KafkaEmitter;
import io.jobline.scheduler.ReleasingRequestProducer;
import io.jobline.scheduler.Scheduler;
import io.jobline.scheduler.SchedulerHealthCheck;
import io.jobline.scheduler.chain.ChainEmitter;
import io.jobline.scheduler.chain.ChainOrchestrator;
import io.jobline.scheduler.chain.ChainsHealthCheck;
import io.jobline.scheduler.lease.MongoLeaseStore;
import io.jobline.store.ChainAwareRuns;
import io.jobline.topic.ControlProducer;
import io.jobline.topic.EventProducer;
import io.jobline.wire.Control;
import io.jobline.wire.RunId;
import java.time.Duration;

/**
 * Wires the scheduler role: the scheduler that fires the schedules and the chain orchestrator that
 * moves chain runs on, each under its own lease, both emitting to Kafka.
 */
final class SchedulerWiring {
  /** The scheduler wired, and how to tell it and the orchestrator that something changed. */
  record Wired(Scheduler scheduler, Runnable schedulesChanged, Runnable chainsChanged) {}

  private SchedulerWiring() {}

  static Wired wire(RoleParts parts) {
    JoblineConfiguration config = parts.config();
    Environment env = parts.env();
    RoleParts.Stores stores = parts.stores();
    EventProducer schedulerEvents = new EventProducer(config.kafka, "jobline-scheduler-events");
    env.lifecycle().manage(closing(schedulerEvents::close));
    ReleasingRequestProducer staging =
        new ReleasingRequestProducer(config.kafka, config.scheduler.transactionalId);
    Emitter toKafka = new KafkaEmitter(parts.requests(), schedulerEvents, staging);
    ChainOrchestrator orchestrator = chainOrchestrator(parts, toKafka);
    env.lifecycle()
        .manage(stopTold("the chain orchestrator", orchestrator, () -> "its current cycle"));
    env.healthChecks().register("chain-orchestrator", new ChainsHealthCheck(orchestrator));
    ChainLauncher launcher =
        new ChainLauncher(stores.chains(), stores.chainRuns(), parts.clock(), orchestrator::poke);
    Scheduler scheduler =
        new Scheduler(
            stores.schedules(),
            stores.timers(),
            new MongoLeaseStore(stores.db()),
            new ChainAwareRuns(stores.runs(), stores.chainRuns()),
            new ChainEmitter(toKafka, launcher),
            config.scheduler,
            parts.clock());
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
    return new Wired(scheduler, scheduler::poke, orchestrator::poke);
  }

  /**
   * The chain orchestrator of the scheduler role: its own lease, cancels through jobline.control.
   */
  private static ChainOrchestrator chainOrchestrator(RoleParts parts, Emitter toKafka) {
    JoblineConfiguration config = parts.config();
    RoleParts.Stores stores = parts.stores();
    ControlProducer controls = new ControlProducer(config.kafka);
    parts.env().lifecycle().manage(closing(controls::close));
    ChainOrchestrator.Parts orchestratorParts =
        new ChainOrchestrator.Parts(
            stores.chainRuns(),
            stores.runs(),
            stores.timers(),
            new MongoLeaseStore(stores.db()),
            toKafka,
            // a step's run has one executor attempt (the step's own retries are runs of their
            // own): a cancel of it all stopped a retry or redrive asked for by hand once the chain
            // run had ended, which then never ran (found by review)
            runId ->
                controls.sendAndWait(
                    Control.cancel(RunId.of(runId), 1, parts.clock().instant(), Control.BY_CHAIN)));
    String id =
        (config.scheduler.schedulerId != null
                ? config.scheduler.schedulerId
                : "scheduler-" + ProcessHandle.current().pid())
            + "-chains-"
            + Long.toHexString(System.nanoTime() & 0xffff);
    return new ChainOrchestrator(
        orchestratorParts,
        Duration.ofMillis(config.scheduler.chainInterval.toMilliseconds()),
        Duration.ofMillis(config.scheduler.leaseTtl.toMilliseconds()),
        id,
        parts.clock());
  }
}
