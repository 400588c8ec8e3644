package io.jobline.app;

import static io.jobline.app.Lifecycles.stopTold;

import com.mongodb.client.MongoDatabase;
import io.dropwizard.core.setup.Environment;
import io.jobline.executor.Executor;
import io.jobline.executor.ExecutorHealthCheck;
import io.jobline.executor.ExecutorParts;
import io.jobline.executor.MongoClaimStore;
import io.jobline.executor.MongoPartitionLeases;
import io.jobline.executor.MongoTenantDirectory;
import io.jobline.job.JobDescriptor;
import io.jobline.job.JobRegistry;
import java.util.List;

/**
 * Wires the executor role: the jobs it finds on the classpath, the executor over its claim store,
 * timers, tenants and partition leases, and the catalogue and chains it publishes.
 */
final class ExecutorWiring {
  private ExecutorWiring() {}

  static void wire(RoleParts parts) {
    JoblineConfiguration config = parts.config();
    Environment env = parts.env();
    RoleParts.Stores stores = parts.stores();
    JobRegistry registry =
        JobRegistry.scan(
            config.jobs.scanned(),
            new ProcessJobResources(
                stores::mongo,
                config.mongo.database,
                parts.clock(),
                List.of(config.jobs.builtins)));
    MongoDatabase tenantDb =
        config.tenants.database == null
            ? stores.db()
            : stores.mongo().getDatabase(config.tenants.database);
    ExecutorParts executorParts =
        new ExecutorParts(
            new MongoClaimStore(stores.db()),
            stores.timers(),
            new MongoTenantDirectory(tenantDb, config.tenants),
            new MongoPartitionLeases(stores.db()));
    Executor executor =
        new Executor(config.kafka, config.executor, registry, executorParts, parts.clock());
    stores.catalogue().publish(registry.descriptors(), executor.executorId());
    ChainScan.publish(
        config.jobs.scanned(),
        job -> registry.find(job).isPresent() || stores.catalogue().find(job).isPresent(),
        job ->
            registry
                .find(job)
                .map(d -> d.descriptor().perTenant())
                .or(() -> stores.catalogue().find(job).map(JobDescriptor::perTenant))
                .orElse(false),
        stores.chains());
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
    env.metrics().gauge("jobline.executor.abandoned_threads", () -> executor::abandonedThreads);
  }
}
