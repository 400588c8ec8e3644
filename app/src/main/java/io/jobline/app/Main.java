package io.jobline.app;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code jobline} command. */
@Command(
    name = "jobline",
    mixinStandardHelpOptions = true,
    version = "jobline 0.1.0",
    description = "Kafka-driven job dispatch pipeline.",
    subcommands = {
      StandaloneCommand.class,
      InfraCommand.class,
      KafkaNodeCommand.class,
      io.jobline.app.chaos.ChaosCommand.class,
      RoleCommand.Api.class,
      RoleCommand.SchedulerRole.class,
      RoleCommand.ExecutorRole.class,
      RoleCommand.HistoryRole.class,
      RunCommand.class,
      ListCommand.class,
      RunsCommand.class,
      SchedulesCommand.class,
      ChainsCommand.class,
      CronCommand.class,
      HealthCommand.class,
      BenchCommand.class
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    io.dropwizard.logging.common.BootstrapLogging.bootstrap();
    int code = new CommandLine(new Main()).execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }
}
