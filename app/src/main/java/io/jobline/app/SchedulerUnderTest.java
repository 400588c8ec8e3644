package io.jobline.app;

import io.dropwizard.core.server.SimpleServerFactory;
import io.dropwizard.jetty.HttpConnectorFactory;
import io.jobline.embedded.FreePorts;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The scheduler role for {@code bench schedules}: either inside a standalone JVM with the embedded
 * broker and store, or alone in this JVM with {@code jobline infra} started as a child process.
 */
final class SchedulerUnderTest implements AutoCloseable {
  private final Standalone standalone;
  private final Process infra;
  private final Launcher.Running running;
  private final JoblineApplication application;
  private final JoblineConfiguration config;

  private SchedulerUnderTest(
      Standalone standalone,
      Process infra,
      Launcher.Running running,
      JoblineApplication application,
      JoblineConfiguration config) {
    this.standalone = standalone;
    this.infra = infra;
    this.running = running;
    this.application = application;
    this.config = config;
  }

  static SchedulerUnderTest standalone(Consumer<JoblineConfiguration> tweak) throws Exception {
    Standalone s =
        Standalone.start(
            Standalone.Options.ephemeral(null)
                .withRoles(EnumSet.of(Role.SCHEDULER))
                .withTweak(tweak));
    return new SchedulerUnderTest(s, null, null, s.application(), s.config());
  }

  /**
   * Starts {@code jobline infra --in-memory} from this JVM's classpath, then the scheduler role
   * here.
   */
  static SchedulerUnderTest beside(String infraHeap, Consumer<JoblineConfiguration> tweak)
      throws Exception {
    int kafkaPort = FreePorts.take();
    int controllerPort = FreePorts.take();
    int mongoPort = FreePorts.take();
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + infraHeap,
                "-XX:+UseG1GC",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "infra",
                "--in-memory",
                "--kafka-port",
                "" + kafkaPort,
                "--controller-port",
                "" + controllerPort,
                "--mongo-port",
                "" + mongoPort));
    Process infra = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      awaitReady(infra);
      JoblineConfiguration config = Launcher.loadResource("jobline-standalone.yml");
      config.kafka.bootstrapServers = "localhost:" + kafkaPort;
      config.mongo.uri = "mongodb://localhost:" + mongoPort;
      config.auth.devToken = "bench";
      tweak.accept(config);
      SimpleServerFactory server = (SimpleServerFactory) config.getServerFactory();
      ((HttpConnectorFactory) server.getConnector()).setPort(0);
      JoblineApplication app =
          new JoblineApplication(EnumSet.of(Role.SCHEDULER), Clock.systemUTC());
      Launcher.Running running = Launcher.start(app, config);
      return new SchedulerUnderTest(null, infra, running, app, config);
    } catch (Exception | Error e) {
      infra.destroy();
      throw e;
    }
  }

  /**
   * Reads the child's output until it says it is up; its later output is drained in the background.
   */
  private static void awaitReady(Process infra) throws IOException {
    BufferedReader out =
        new BufferedReader(new InputStreamReader(infra.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null) {
      if (line.contains("Jobline infra is up")) {
        Thread drain =
            new Thread(
                () -> {
                  try {
                    while (out.readLine() != null) {
                      // the infra's own log is not part of the report
                    }
                  } catch (IOException ignored) {
                    // the child has gone
                  }
                },
                "bench-infra-output");
        drain.setDaemon(true);
        drain.start();
        return;
      }
    }
    throw new IllegalStateException(
        "jobline infra ended before it was up (exit " + infra.exitValue() + ")");
  }

  JoblineApplication application() {
    return application;
  }

  JoblineConfiguration config() {
    return config;
  }

  String mongoUri() {
    return config.mongo.uri;
  }

  @Override
  public void close() throws Exception {
    if (standalone != null) {
      standalone.close();
      return;
    }
    try {
      running.close();
    } finally {
      infra.destroy();
      infra.waitFor(30, TimeUnit.SECONDS);
    }
  }
}
