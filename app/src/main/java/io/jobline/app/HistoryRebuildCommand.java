package io.jobline.app;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.dropwizard.configuration.ConfigurationException;
import io.jobline.history.DirectDeadLetters;
import io.jobline.history.HistoryRebuild;
import io.jobline.history.HistoryTopology;
import io.jobline.store.MongoAuditStore;
import io.jobline.store.MongoRunLogStore;
import io.jobline.store.MongoRunStore;
import io.jobline.store.MongoStatsStore;
import java.io.File;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jobline history rebuild CONFIG --database NAME}: replays the topics into an empty
 * database.
 */
@Command(
    name = "rebuild",
    mixinStandardHelpOptions = true,
    description =
        "Replay jobline.requests and jobline.events into an empty database: the same run records, rebuilt.")
final class HistoryRebuildCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      paramLabel = "CONFIG",
      description = "YAML config file (Kafka and MongoDB settings).")
  File config;

  @Option(
      names = "--database",
      required = true,
      description = "The (empty) database to rebuild into.")
  String database;

  @Option(
      names = "--timeout",
      description = "Give up after this many minutes (default: ${DEFAULT-VALUE}).")
  int timeoutMinutes = 60;

  @Override
  public Integer call() throws Exception {
    JoblineConfiguration c;
    try {
      c = Launcher.load(config.getPath());
    } catch (ConfigurationException e) {
      System.err.println("jobline: invalid configuration: " + e.getMessage());
      return 2;
    }
    try (MongoClient mongo = MongoClients.create(c.mongo.uri);
        DirectDeadLetters setAside = new DirectDeadLetters(c.kafka)) {
      MongoRunStore target = new MongoRunStore(mongo.getDatabase(database), Clock.systemUTC());
      if (target.count() > 0) {
        System.err.println(
            "jobline: database '" + database + "' already holds runs; rebuild needs an empty one");
        return 2;
      }
      target.ensureIndexes();
      var db = mongo.getDatabase(database);
      var sinks =
          new HistoryTopology.Sinks(
              target,
              new MongoRunLogStore(db).ensureIndexes(),
              new MongoStatsStore(db)::replace,
              new MongoAuditStore(db)::putAll,
              setAside);
      ProgressDisplay display = ProgressDisplay.onStderr();
      long replayed =
          HistoryRebuild.rebuild(
              c.kafka,
              c.history,
              sinks,
              c.topics.replicationFactor,
              Duration.ofMinutes(timeoutMinutes),
              line -> display.status(line, -1, false));
      display.status("replayed every record", -1, true);
      System.out.println(
          "rebuilt "
              + target.count()
              + " runs from "
              + replayed
              + " records into '"
              + database
              + "'");
    }
    return 0;
  }
}
