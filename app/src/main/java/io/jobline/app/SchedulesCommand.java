package io.jobline.app;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code jobline schedules …}: schedules on a running Jobline. */
@Command(
    name = "schedules",
    mixinStandardHelpOptions = true,
    description = "List, show, pause, resume and trigger schedules.",
    subcommands = {
      CommandLine.HelpCommand.class,
      SchedulesCommand.ListSchedules.class,
      SchedulesCommand.Show.class,
      SchedulesCommand.Pause.class,
      SchedulesCommand.Resume.class,
      SchedulesCommand.Trigger.class
    })
final class SchedulesCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  static void row(JsonNode s) {
    System.out.printf(
        "%-28s %-20s %-16s %-7s %-26s %s%n",
        ApiClient.text(s, "job_name"),
        ApiClient.text(s, "job_type"),
        s.has("cron_expression")
            ? ApiClient.text(s, "cron_expression")
            : ApiClient.text(s, "trigger_type"),
        s.path("paused").asBoolean()
            ? "paused"
            : s.path("is_enabled").asBoolean(true) ? "on" : "off",
        ApiClient.text(s, "next_run_at"),
        ApiClient.text(s, "description_of_trigger"));
  }

  @Command(name = "list", description = "All schedules.")
  static final class ListSchedules implements Callable<Integer> {
    @Mixin ApiClient api;

    @Override
    public Integer call() throws Exception {
      return api.print(
          api.get("/jobs/schedules"),
          body -> {
            System.out.printf(
                "%-28s %-20s %-16s %-7s %-26s %s%n",
                "SCHEDULE", "JOB", "TRIGGER", "STATE", "NEXT RUN", "MEANS");
            body.forEach(SchedulesCommand::row);
          });
    }
  }

  @Command(name = "show", description = "One schedule with its next fire times.")
  static final class Show implements Callable<Integer> {
    @Mixin ApiClient api;

    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    public Integer call() throws Exception {
      return api.print(
          api.get("/jobs/schedules/" + ApiClient.part(name)),
          s -> {
            row(s);
            s.path("next_fire_times").forEach(t -> System.out.println("  next: " + t.asText()));
          });
    }
  }

  @Command(name = "pause", description = "Pause a schedule.")
  static final class Pause implements Callable<Integer> {
    @Mixin ApiClient api;

    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    public Integer call() throws Exception {
      return api.print(
          api.post("/jobs/schedules/" + ApiClient.part(name) + "/pause"), SchedulesCommand::row);
    }
  }

  @Command(name = "resume", description = "Resume a schedule from now.")
  static final class Resume implements Callable<Integer> {
    @Mixin ApiClient api;

    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    public Integer call() throws Exception {
      return api.print(
          api.post("/jobs/schedules/" + ApiClient.part(name) + "/resume"), SchedulesCommand::row);
    }
  }

  @Command(name = "trigger", description = "Run a schedule's job now.")
  static final class Trigger implements Callable<Integer> {
    @Mixin ApiClient api;

    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    public Integer call() throws Exception {
      return api.print(
          api.post("/jobs/schedules/" + ApiClient.part(name) + "/trigger"),
          b -> System.out.println(name + ": run " + ApiClient.text(b, "run_id") + " queued"));
    }
  }
}
