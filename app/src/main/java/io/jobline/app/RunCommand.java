package io.jobline.app;

import ch.qos.logback.classic.LoggerContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mongodb.ConnectionString;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.dropwizard.configuration.ConfigurationException;
import io.jobline.executor.LocalRunner;
import io.jobline.job.JobDefinition;
import io.jobline.job.JobRegistry;
import io.jobline.job.ParamsValidator;
import io.jobline.run.JobResult;
import io.jobline.run.LogEntry;
import io.jobline.wire.Json;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jobline run JOB}: runs a job in this process (no Kafka, no scheduler; jobs that need a
 * database get the configured MongoDB, by default the standalone's), or with {@code --submit} sends
 * it to a running cluster and follows it to the end. Exit codes: 0 completed, 1 failed or
 * cancelled, 2 invalid params or unknown job, 124 timed out.
 */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description =
        "Run a job here and now (or --submit it to a running Jobline), showing its log and progress.")
final class RunCommand implements Callable<Integer> {
  static final int COMPLETED = ExitCode.OK;
  static final int FAILED = ExitCode.FAILED;
  static final int INVALID = ExitCode.INVALID;
  static final int TIMED_OUT = ExitCode.TIMED_OUT;

  @Parameters(index = "0", paramLabel = "JOB", description = "The job's name (see `jobline list`).")
  String job;

  @Option(names = "--tenant-id", description = "The tenant to run for.")
  String tenantId;

  @Option(names = "--params", description = "Params as a JSON object (default: {}).")
  String params = "{}";

  @Option(names = "--timeout", description = "Timeout in seconds (default: the job's).")
  Integer timeoutSeconds;

  @Option(names = "--json", description = "Print the JobResult as JSON on stdout.")
  boolean json;

  @Option(names = "--submit", description = "Send the run to a running Jobline API and follow it.")
  boolean submit;

  @Option(
      names = "--api-url",
      description =
          "API to submit to (default: $JOBLINE_API_URL or " + ApiClient.DEFAULT_URL + ").")
  String apiUrl =
      Optional.ofNullable(System.getenv("JOBLINE_API_URL")).orElse(ApiClient.DEFAULT_URL);

  @Option(
      names = "--token",
      description = "Bearer token for the API (default: $JOBLINE_TOKEN, else $JOBLINE_DEV_TOKEN).")
  String token = ApiClient.defaultToken();

  @Option(
      names = "--packages",
      split = ",",
      description =
          "Packages to scan for @Job methods (default: the config's jobs.packages, else io.jobline.examples); the built-ins are always there.")
  List<String> packages;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "A role's YAML config: its mongo section and jobs.builtins settings are used (default: the standalone defaults).")
  String configFile;

  @Option(
      names = "--mongo-uri",
      description =
          "MongoDB for jobs that need a database (default: the config's, else the standalone's mongodb://localhost:27117).")
  String mongoUri;

  @Option(
      names = "--database",
      description = "Jobline's database on it (default: the config's, else jobline).")
  String database;

  @Override
  public Integer call() throws Exception {
    ObjectNode parsed = ApiClient.paramsObject(params);
    if (timeoutSeconds != null && timeoutSeconds <= 0) {
      // (as the API refuses timeout_seconds for --submit)
      System.err.println("jobline: --timeout must be a positive number of seconds");
      return INVALID;
    }
    return submit ? submitAndFollow(parsed) : runHere(parsed);
  }

  private int runHere(ObjectNode p) throws Exception {
    MongoSettings mongoSettings;
    JobsSettings jobs;
    if (configFile == null) {
      LocalRunSettings defaults = LocalRunSettings.standaloneDefaults();
      CliLogging.apply(
          (LoggerContext) LoggerFactory.getILoggerFactory(),
          defaults.rootLevel(),
          defaults.loggers());
      mongoSettings = defaults.mongo();
      jobs = defaults.jobs();
    } else {
      JoblineConfiguration config;
      try {
        config = Launcher.load(configFile);
      } catch (ConfigurationException e) {
        System.err.println("jobline: " + e.getMessage());
        return INVALID;
      }
      Launcher.configureLogging(config);
      mongoSettings = config.mongo;
      jobs = config.jobs;
    }
    if (packages != null) {
      jobs.packages = packages;
    }
    String uri = mongoUri != null ? mongoUri : mongoSettings.uri;
    try {
      new ConnectionString(uri);
    } catch (IllegalArgumentException e) {
      System.err.println("jobline: --mongo-uri: " + e.getMessage());
      return INVALID;
    }
    // connected only if the job asks for a database: most jobs run here never do
    LazyMongo mongo = new LazyMongo(uri);
    try {
      ProcessJobResources resources =
          new ProcessJobResources(
              mongo::client,
              database != null ? database : mongoSettings.database,
              Clock.systemUTC(),
              List.of(jobs.builtins));
      return runHere(p, JobRegistry.scan(jobs.scanned(), resources));
    } finally {
      mongo.close();
    }
  }

  /** A MongoDB client made at its first use. */
  private static final class LazyMongo {
    private final String uri;
    private MongoClient client;

    LazyMongo(String uri) {
      this.uri = uri;
    }

    synchronized MongoClient client() {
      if (client == null) {
        client = MongoClients.create(uri);
      }
      return client;
    }

    synchronized void close() {
      if (client != null) {
        client.close();
      }
    }
  }

  private int runHere(ObjectNode p, JobRegistry registry) throws IOException {
    Optional<JobDefinition> definition = registry.find(job);
    if (definition.isEmpty()) {
      System.err.println("jobline: unknown job '" + job + "'; `jobline list` shows the catalogue");
      return INVALID;
    }
    List<String> violations = new ParamsValidator().violations(definition.get().descriptor(), p);
    if (!violations.isEmpty()) {
      System.err.println("jobline: invalid params for '" + job + "':");
      violations.forEach(v -> System.err.println("  " + v));
      return INVALID;
    }
    ProgressDisplay display = ProgressDisplay.onStderr();
    JobResult result =
        new LocalRunner(Clock.systemUTC(), Duration.ofSeconds(5))
            .run(definition.get(), p, tenantId, timeoutSeconds, display::line);
    display.finish(result.status());
    return report(result.status(), result.error(), Json.tree(result));
  }

  private int report(String status, String error, JsonNode result) throws IOException {
    if (json) {
      System.out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(result));
    } else {
      System.err.println(job + ": " + status + (error == null ? "" : " — " + error));
    }
    return switch (status) {
      case "completed" -> COMPLETED;
      case "timed_out" -> TIMED_OUT;
      default -> FAILED;
    };
  }

  private int submitAndFollow(ObjectNode p) throws Exception {
    ApiClient api = ApiClient.to(apiUrl, token);
    ObjectNode body = Json.object().put("tenant_id", tenantId);
    body.set("params", p);
    if (timeoutSeconds != null) {
      body.put("timeout_seconds", timeoutSeconds);
    }
    ApiClient.Reply accepted =
        api.post("/jobs/run/" + ApiClient.part(job), Json.mapper().writeValueAsString(body));
    if (accepted.status() != 202) {
      CliFailure refused = api.refused(accepted);
      System.err.println("jobline: " + refused.getMessage());
      accepted.body().path("errors").forEach(e -> System.err.println("  " + e.asText()));
      return refused.exitCode();
    }
    String runId = accepted.body().path("run_id").asText();
    System.err.println("jobline: submitted run " + runId);
    ProgressDisplay display = ProgressDisplay.onStderr();
    int shown = 0;
    LogEntry told = null; // the progress shown last
    while (true) {
      ApiClient.Reply r = api.get("/jobs/runs/" + ApiClient.part(runId));
      if (r.status() == 200) {
        JsonNode run = r.body();
        JsonNode logs = run.path("logs");
        for (; shown < logs.size(); shown++) {
          LogEntry line = Json.mapper().treeToValue(logs.get(shown), LogEntry.class);
          display.line(line);
          told = line.percentage() != null ? line : told;
        }
        // the run's progress past the lines history keeps (found by review: the bar stood still)
        if (run.path("progress").canConvertToInt()) {
          LogEntry now =
              new LogEntry(
                  null,
                  null,
                  run.path("progress_message").asText(""),
                  run.path("progress").asInt());
          if (told == null
              || !now.percentage().equals(told.percentage())
              || !now.message().equals(told.message() == null ? "" : told.message())) {
            display.line(now);
            told = now;
          }
        }
        String status = run.path("status").asText();
        // an attempt that failed with a retry to come reads failed too, with its next attempt
        boolean over = run.path("next_attempt").isMissingNode();
        if (over && List.of("completed", "failed", "cancelled", "timed_out").contains(status)) {
          display.finish(status);
          return report(
              status, run.path("error").isNull() ? null : run.path("error").asText(), run);
        }
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(250));
    }
  }
}
