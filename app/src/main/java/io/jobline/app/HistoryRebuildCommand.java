package io.jobline.app;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.dropwizard.configuration.ConfigurationException;
import io.jobline.history.HistoryRebuild;
import io.jobline.history.HistoryTopology;
import io.jobline.history.RebuildFailedException;
import io.jobline.history.RebuildTimeoutException;
import io.jobline.store.MongoAuditStore;
import io.jobline.store.MongoRunLogStore;
import io.jobline.store.MongoRunStore;
import io.jobline.store.MongoStatsStore;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

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
      description = "Give up after this many minutes (default: ${DEFAULT-VALUE}; exit code 124).")
  int timeoutMinutes = 60;

  @Spec CommandSpec spec;

  /** The characters MongoDB refuses in a database name (on any platform). */
  private static final String NOT_IN_A_DATABASE_NAME = "/\\. \"$*<>:|?\0";

  @Override
  public Integer call() throws Exception {
    // before anything is connected to (found by review: --timeout 0 gave up at once, and a name
    // MongoDB refuses failed only once the replay began)
    if (timeoutMinutes <= 0) {
      throw new ParameterException(
          spec.commandLine(), "--timeout must be at least 1 (minutes), not " + timeoutMinutes);
    }
    String refused = databaseNameProblem(database);
    if (refused != null) {
      throw new ParameterException(
          spec.commandLine(),
          "--database '" + database + "' is no MongoDB database name: " + refused);
    }
    JoblineConfiguration c;
    try {
      c = Launcher.load(config.getPath());
    } catch (ConfigurationException e) {
      System.err.println("jobline: invalid configuration: " + e.getMessage());
      return 2;
    }
    try (MongoClient mongo = MongoClients.create(c.mongo.uri)) {
      MongoRunStore target = new MongoRunStore(mongo.getDatabase(database), Clock.systemUTC());
      if (target.count() > 0) {
        System.err.println(
            "jobline: database '" + database + "' already holds runs; rebuild needs an empty one");
        return 2;
      }
      target.ensureIndexes();
      var db = mongo.getDatabase(database);
      // (no dead-letter sink: what the rebuild sets aside the live history set aside already)
      var sinks =
          new HistoryTopology.Sinks(
              target,
              new MongoRunLogStore(db).ensureIndexes(),
              new MongoStatsStore(db)::replace,
              new MongoAuditStore(db)::putAll);
      ProgressDisplay display = ProgressDisplay.onStderr();
      HistoryRebuild.Outcome outcome;
      try {
        outcome =
            HistoryRebuild.rebuild(
                c.kafka,
                c.history,
                sinks,
                c.topics.replicationFactor,
                Duration.ofMinutes(timeoutMinutes),
                line -> display.status(line, -1, false));
      } catch (RebuildTimeoutException e) {
        throw new CliFailure(
            ExitCode.TIMED_OUT,
            "history rebuild replayed "
                + e.replayed()
                + " of "
                + e.total()
                + " records in "
                + timeoutMinutes
                + " minute(s) and gave up; '"
                + database
                + "' holds a partial rebuild — drop it and run again with a longer --timeout",
            e);
      } catch (RebuildFailedException e) {
        throw new CliFailure(ExitCode.FAILED, "history " + e.getMessage(), e);
      }
      display.status("replayed every record", -1, true);
      System.out.println(
          "rebuilt "
              + target.count()
              + " runs from "
              + outcome.replayed()
              + " records into '"
              + database
              + "'; "
              + outcome.goneToRetention()
              + " records were gone to retention before it; "
              + outcome.setAside()
              + " set aside (sent to no dead-letter topic: the live history sets aside what it"
              + " cannot fold, GET /jobs/dead-letters lists it)");
    }
    return 0;
  }

  /** Why MongoDB would refuse {@code name} as a database name, or null. */
  static String databaseNameProblem(String name) {
    if (name.isEmpty()) {
      return "it is empty";
    }
    if (name.getBytes(StandardCharsets.UTF_8).length >= 64) {
      return "it is longer than 63 bytes";
    }
    for (char ch : name.toCharArray()) {
      if (NOT_IN_A_DATABASE_NAME.indexOf(ch) >= 0) {
        return ch == '\0' ? "it holds a NUL character" : "it holds '" + ch + "'";
      }
    }
    return null;
  }
}
