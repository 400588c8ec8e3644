package io.jobline.app;

import io.dropwizard.configuration.ConfigurationException;
import io.jobline.embedded.EmbeddedInfraException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.EnumSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jobline standalone}: everything in one JVM, for a first look and for development. */
@Command(
    name = "standalone",
    mixinStandardHelpOptions = true,
    description = "Start Kafka, a Mongo-wire store and all four roles in this JVM.")
final class StandaloneCommand implements Callable<Integer> {
  /**
   * Where the launcher has this run record the classes it loads (written as it stops), if it does.
   */
  private static final String RECORDING = System.getProperty("io.jobline.cds.recording");

  @Option(names = "--data-dir", description = "Folder for all data (default: ${DEFAULT-VALUE}).")
  Path dataDir = Path.of("jobline-data");

  @Option(names = "--in-memory", description = "Keep nothing: data is gone when the process stops.")
  boolean inMemory;

  @Option(names = "--port", description = "API port (default: ${DEFAULT-VALUE}).")
  int port = Standalone.DEFAULT_API_PORT;

  @Option(
      names = "--kafka-port",
      description = "Kafka port; the controller uses the next one (default: ${DEFAULT-VALUE}).")
  int kafkaPort = Standalone.DEFAULT_KAFKA_PORT;

  @Option(names = "--mongo-port", description = "Mongo-wire port (default: ${DEFAULT-VALUE}).")
  int mongoPort = Standalone.DEFAULT_MONGO_PORT;

  @Option(
      names = "--config",
      description =
          "A YAML file laid over the standalone defaults: the same settings "
              + "as the roles' config (auth.apiKeys, auth.jwt, api.limits, jobs, …), with $${ENV_VAR} substituted.")
  Path config;

  @Option(
      names = "--infra-only",
      description = "Start only the embedded Kafka and Mongo-wire store (as `jobline infra`).")
  boolean infraOnly;

  @Override
  public Integer call() throws Exception {
    if (infraOnly) {
      InfraCommand infra = new InfraCommand();
      infra.dataDir = dataDir;
      infra.inMemory = inMemory;
      infra.kafkaPort = kafkaPort;
      infra.mongoPort = mongoPort;
      return infra.call();
    }
    Ports.mustBeFree(port, "the API", "--port");
    Ports.mustBeFree(kafkaPort, "Kafka", "--kafka-port");
    Ports.mustBeFree(
        kafkaPort == 0 ? 0 : kafkaPort + 1,
        "the Kafka controller (the Kafka port + 1)",
        "--kafka-port");
    Ports.mustBeFree(mongoPort, "the Mongo-wire store", "--mongo-port");
    Standalone standalone;
    try {
      standalone =
          Standalone.start(
              new Standalone.Options(
                  dataDir,
                  inMemory,
                  port,
                  kafkaPort,
                  mongoPort,
                  Clock.systemUTC(),
                  c -> {},
                  EnumSet.allOf(Role.class),
                  config));
    } catch (EmbeddedInfraException e) {
      throw new CliFailure(ExitCode.UNAVAILABLE, e.getMessage(), e);
    } catch (ConfigurationException e) {
      throw new CliFailure(ExitCode.INVALID, "invalid configuration: " + e.getMessage(), e);
    }
    double upSeconds = FirstAnswer.secondsSinceJvmStart(standalone.apiUrl());
    standalone.timeline().done("first request served");
    LoggerFactory.getLogger(StandaloneCommand.class)
        .info("Started, from the JVM's start: {}", standalone.timeline());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  long stopping = System.nanoTime();
                  try {
                    standalone.stop(line -> System.err.println("jobline: " + line));
                    System.err.printf(
                        "jobline: stopped in %.1f s%s%n",
                        (System.nanoTime() - stopping) / 1e9,
                        inMemory ? "" : "; data kept in " + dataDir.toAbsolutePath());
                    if (RECORDING != null) {
                      System.err.println(
                          "jobline: writing the class-data archive that makes later starts faster (once per build, "
                              + "a few seconds)…");
                    }
                  } catch (Exception e) {
                    System.err.println(
                        "jobline: could not stop cleanly: "
                            + CliFailure.reason(e)
                            + (inMemory
                                ? ""
                                : " — the next start recovers " + dataDir.toAbsolutePath()));
                  } finally {
                    stopped.countDown();
                  }
                },
                "jobline-shutdown"));
    String url = standalone.apiUrl();
    System.out.printf(
        """

        Jobline standalone is up: it served its first request %.1f s after the JVM started.
          API        %s   (health: %s/admin/healthcheck, metrics: %s/admin/prometheus)
          Kafka      %s
          MongoDB    %s   store: %s
          Data       %s

        %s

        Try it:
          curl -X POST %s/jobs/run/settlement -H "Authorization: Bearer $TOKEN" \\
               -H 'Content-Type: application/json' -d '{"tenant_id":"t1","params":{"period":"2026-03"}}'
          curl -H "Authorization: Bearer $TOKEN" %s/jobs/runs/<run_id>

        Stop with Ctrl-C.
        """,
        upSeconds,
        url,
        url,
        url,
        standalone.bootstrapServers(),
        standalone.mongoUri(),
        standalone.storeBackend(),
        inMemory ? "(in memory)" : dataDir.toAbsolutePath(),
        standalone.devToken() == null
            ? "Callers authenticate as --config says (auth.apiKeys, auth.jwt); no development token.\n"
                + "        export TOKEN=<one of your API keys or JWTs>"
            : "Development admin token (fix it with JOBLINE_DEV_TOKEN):\n          export TOKEN="
                + standalone.devToken(),
        url,
        url);
    if (RECORDING != null) {
      try {
        Files.writeString(
            Path.of(RECORDING + ".ok"), "came up\n"); // the launcher keeps only such a recording
      } catch (IOException e) {
        // then it is recorded again next time
      }
    }
    stopped.await();
    return 0;
  }
}
