package io.jobline.app;

import static io.jobline.app.Lifecycles.closing;
import static io.jobline.app.Lifecycles.stopTold;

import io.dropwizard.core.setup.Environment;
import io.jobline.health.ConsumerProgress;
import io.jobline.history.DeadLetterRecorder;
import io.jobline.history.DirectDeadLetters;
import io.jobline.history.History;
import io.jobline.history.HistoryTopology;
import io.jobline.history.StreamsHealthCheck;
import io.jobline.store.MongoAuditStore;
import io.jobline.store.MongoDeadLetterStore;
import io.jobline.topic.Topics;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/**
 * Wires the history role: the Streams app that folds the topics into the store, a watch on its
 * consumers' progress for the health check, and the dead-letter recorder.
 */
final class HistoryWiring {
  private HistoryWiring() {}

  static History wire(RoleParts parts) {
    JoblineConfiguration config = parts.config();
    Environment env = parts.env();
    RoleParts.Stores stores = parts.stores();
    // (closed after history stops: managed objects stop in the reverse order)
    DirectDeadLetters setAside = new DirectDeadLetters(config.kafka);
    env.lifecycle().manage(closing(setAside::close));
    History history =
        new History(
            config.kafka,
            config.history,
            new HistoryTopology.Sinks(
                stores.runs(),
                stores.runLogs(),
                stores.stats()::replace,
                new MongoAuditStore(stores.db()).ensureIndexes()::putAll,
                setAside),
            config.topics.replicationFactor,
            parts.clock());
    env.lifecycle()
        .manage(stopTold("history", history, () -> "its last commit and leaving the group"));
    ConsumerProgress progress =
        new ConsumerProgress(
            parts.kafkaHealth().admin(),
            config.history.applicationId,
            List.of(
                Topics.REQUESTS.name(),
                Topics.EVENTS.name(),
                HistoryTopology.repartitionTopic(config.history.applicationId)),
            Duration.ofMillis(config.history.stallAfter.toMilliseconds()),
            parts.clock());
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
            new DeadLetterRecorder(
                config.kafka, new MongoDeadLetterStore(stores.db()).ensureIndexes()));
    env.metrics().gauge("jobline.history.runs_set_aside", () -> history.metrics()::runsSetAside);
    env.metrics()
        .gauge("jobline.history.runs_read_from_store", () -> history.metrics()::runsReadFromStore);
    return history;
  }
}
