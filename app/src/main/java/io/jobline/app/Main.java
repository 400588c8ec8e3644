package io.jobline.app;

import io.jobline.app.chaos.ChaosCommand;
import java.io.FileNotFoundException;
import java.nio.file.NoSuchFileException;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;

/** The {@code jobline} command. */
@Command(
    name = "jobline",
    mixinStandardHelpOptions = true,
    version = "jobline 0.1.0",
    description = "Kafka-driven job dispatch pipeline.",
    footer = {
      "",
      "`jobline help COMMAND` (or `jobline COMMAND --help`) shows a command's options.",
      "Exit codes: 0 done (the run completed), 1 the run failed or was cancelled or the API refused, "
          + "2 bad usage or input (unknown job, run, option), 3 nothing to talk to at the address tried, 124 timed out. `health` exits 0 when healthy and 1 when not, nothing answering included (for probes)."
    },
    subcommands = {
      CommandLine.HelpCommand.class,
      StandaloneCommand.class,
      InfraCommand.class,
      KafkaNodeCommand.class,
      ChaosCommand.class,
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

  @Option(
      names = "--verbose",
      scope = ScopeType.INHERIT,
      description = "On failure, print the stack trace too.")
  boolean verbose;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    int code = commandLine().execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }

  /**
   * The command line with the error handling every command shares: one line per failure, an exit
   * code.
   */
  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Main());
    cli.setExecutionExceptionHandler(Main::failed);
    cli.setParameterExceptionHandler(Main::badUsage);
    return cli;
  }

  private static int failed(Exception e, CommandLine command, ParseResult parsed) {
    String name = command.getCommandSpec().qualifiedName();
    if (e instanceof InterruptedException) {
      return ExitCode.INTERRUPTED;
    }
    int code;
    String line;
    if (e instanceof CliFailure f) {
      code = f.exitCode();
      line = "jobline: " + f.getMessage();
    } else if (e instanceof FileNotFoundException || e instanceof NoSuchFileException) {
      code = ExitCode.INVALID;
      line = name + ": " + CliFailure.reason(e) + " — check the path";
    } else {
      code = ExitCode.FAILED;
      line =
          name
              + ": failed: "
              + e.getClass().getSimpleName()
              + ": "
              + CliFailure.reason(e)
              + " — run it again with --verbose for the stack trace";
    }
    System.err.println(line);
    if (verbose(parsed)) {
      e.printStackTrace(System.err);
    }
    return code;
  }

  private static int badUsage(CommandLine.ParameterException e, String[] args) {
    CommandLine command = e.getCommandLine();
    String name = command.getCommandSpec().qualifiedName();
    String suggestion = "";
    if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
      List<String> near = Typos.near(u.getUnmatched().get(0), command.getCommandSpec());
      if (!near.isEmpty()) {
        suggestion = " (did you mean " + String.join(" or ", near) + "?)";
      }
    }
    String help =
        command.getCommandSpec().parent() == null ? "`jobline help`" : "`" + name + " --help`";
    System.err.println(
        name + ": " + e.getMessage() + suggestion + " — " + help + " shows the usage");
    return ExitCode.INVALID;
  }

  private static boolean verbose(ParseResult parsed) {
    for (ParseResult p = parsed; p != null; p = p.subcommand()) {
      if (p.hasMatchedOption("--verbose")) {
        return true;
      }
    }
    return false;
  }
}
