package io.jobline.app;

import io.dropwizard.configuration.ConfigurationException;
import io.jobline.app.chaos.FileOffsetClock;
import java.io.File;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Runs one role against external Kafka and MongoDB, configured by a YAML file. */
abstract class RoleCommand implements Callable<Integer> {
  abstract Role role();

  /** The YAML config file given. */
  abstract File config();

  @Override
  public Integer call() throws Exception {
    JoblineConfiguration configuration;
    try {
      configuration = Launcher.load(config().getPath());
    } catch (ConfigurationException e) {
      System.err.println("jobline: invalid configuration: " + e.getMessage());
      return ExitCode.INVALID;
    }
    // before anything is connected to, which may take seconds to fail and hide the reason
    List<String> problems = SettingsChecks.forRoles(configuration, EnumSet.of(role()));
    if (!problems.isEmpty()) {
      System.err.println("jobline: invalid configuration: " + String.join("; ", problems));
      return ExitCode.INVALID;
    }
    Launcher.Running running =
        Launcher.start(
            new JoblineApplication(EnumSet.of(role()), FileOffsetClock.fromEnvironment()),
            configuration);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  long t0 = System.nanoTime();
                  try {
                    running.close();
                    System.err.printf(
                        "jobline: %s stopped in %.1f s%n",
                        role().name().toLowerCase(), (System.nanoTime() - t0) / 1e9);
                  } catch (Exception e) {
                    System.err.println(
                        "jobline: "
                            + role().name().toLowerCase()
                            + " could not stop cleanly: "
                            + CliFailure.reason(e));
                  } finally {
                    stopped.countDown();
                  }
                }));
    System.out.println(
        "jobline "
            + role().name().toLowerCase()
            + " started; admin and health on port "
            + running.port());
    stopped.await();
    return 0;
  }

  /** A role that takes its CONFIG, always. */
  abstract static class Configured extends RoleCommand {
    @Parameters(
        index = "0",
        paramLabel = "CONFIG",
        description = "YAML config file ($${ENV_VAR} substitution applies).")
    File config;

    @Override
    File config() {
      return config;
    }
  }

  @Command(name = "api", mixinStandardHelpOptions = true, description = "Run the REST API.")
  static final class Api extends Configured {
    @Override
    Role role() {
      return Role.API;
    }
  }

  @Command(name = "scheduler", mixinStandardHelpOptions = true, description = "Run the scheduler.")
  static final class SchedulerRole extends Configured {
    @Override
    Role role() {
      return Role.SCHEDULER;
    }
  }

  @Command(name = "executor", mixinStandardHelpOptions = true, description = "Run an executor.")
  static final class ExecutorRole extends Configured {
    @Override
    Role role() {
      return Role.EXECUTOR;
    }
  }

  /**
   * {@code history CONFIG} runs the role; {@code history rebuild CONFIG --database NAME} takes its
   * CONFIG after {@code rebuild}, as README shows it (found by review: a CONFIG required here too
   * refused that line).
   */
  @Command(
      name = "history",
      mixinStandardHelpOptions = true,
      description = {
        "Run the history materializer: `history CONFIG`.",
        "`history rebuild CONFIG --database NAME` replays the topics into an empty database."
      },
      subcommands = HistoryRebuildCommand.class)
  static final class HistoryRole extends RoleCommand {
    @Parameters(
        index = "0",
        arity = "0..1",
        paramLabel = "CONFIG",
        description =
            "YAML config file ($${ENV_VAR} substitution applies); required to run the role.")
    File config;

    @Spec CommandSpec spec;

    @Override
    Role role() {
      return Role.HISTORY;
    }

    @Override
    File config() {
      if (config == null) {
        throw new ParameterException(spec.commandLine(), "Missing required parameter: 'CONFIG'");
      }
      return config;
    }
  }
}
