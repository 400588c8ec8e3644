package io.jobline.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.wire.Json;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jobline chains …}: chains and chain runs on a running Jobline. */
@Command(
    name = "chains",
    mixinStandardHelpOptions = true,
    description = "List and show chains, start a chain run, list, show and cancel chain runs.",
    subcommands = {
      CommandLine.HelpCommand.class,
      ChainsCommand.ListChains.class,
      ChainsCommand.Show.class,
      ChainsCommand.Run.class,
      ChainsCommand.Runs.class,
      ChainsCommand.Status.class,
      ChainsCommand.Cancel.class
    })
final class ChainsCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  private static void chainRow(JsonNode r) {
    System.out.printf(
        "%-38s %-24s %-10s %-24s %s%n",
        ApiClient.text(r, "chain_run_id"),
        ApiClient.text(r, "chain_name"),
        ApiClient.text(r, "tenant_id"),
        ApiClient.text(r, "status"),
        ApiClient.text(r, "requested_at"));
  }

  @Command(name = "list", description = "Every chain.")
  static final class ListChains implements Callable<Integer> {
    @Mixin ApiClient api;

    @Override
    public Integer call() throws Exception {
      return api.print(
          api.get("/jobs/chains"),
          body ->
              body.forEach(
                  c ->
                      System.out.printf(
                          "%-28s %-5s %2d steps  %s%n",
                          ApiClient.text(c, "name"),
                          ApiClient.text(c, "source"),
                          c.path("steps").size(),
                          ApiClient.text(c, "description"))));
    }
  }

  @Command(name = "show", description = "One chain, step by step.")
  static final class Show implements Callable<Integer> {
    @Mixin ApiClient api;

    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    public Integer call() throws Exception {
      return api.print(
          api.get("/jobs/chains/" + ApiClient.part(name)),
          c -> {
            System.out.println(ApiClient.text(c, "name") + ": " + ApiClient.text(c, "description"));
            c.path("steps")
                .forEach(
                    s ->
                        System.out.printf(
                            "  %-20s job %-20s after %-24s on failure %s%s%n",
                            ApiClient.text(s, "name"),
                            ApiClient.text(s, "job"),
                            s.path("depends_on").isEmpty() ? "-" : s.path("depends_on").toString(),
                            ApiClient.text(s, "on_failure"),
                            "retry".equals(s.path("on_failure").asText())
                                ? " ("
                                    + s.path("retries").asInt()
                                    + " x, "
                                    + s.path("retry_delay_seconds").asInt()
                                    + " s apart)"
                                : ""));
          });
    }
  }

  @Command(name = "run", description = "Start a run of a chain; prints its id.")
  static final class Run implements Callable<Integer> {
    @Mixin ApiClient api;

    @Parameters(paramLabel = "NAME")
    String name;

    @Option(names = "--tenant-id", description = "Tenant the steps run for.")
    String tenant;

    @Option(
        names = "--params",
        description = "Params (a JSON object) given to every step.",
        defaultValue = "{}")
    String params;

    @Override
    public Integer call() throws Exception {
      ObjectNode body = Json.object().put("tenant_id", tenant);
      body.set("params", ApiClient.paramsObject(params));
      return api.print(
          api.post("/jobs/chains/" + ApiClient.part(name) + "/run", body.toString()),
          b ->
              System.out.println(
                  name
                      + ": chain run "
                      + ApiClient.text(b, "chain_run_id")
                      + " "
                      + ApiClient.text(b, "status")));
    }
  }

  @Command(name = "runs", description = "Chain runs, newest first.")
  static final class Runs implements Callable<Integer> {
    @Mixin ApiClient api;

    @Option(names = "--chain", description = "Only runs of this chain.")
    String chain;

    @Option(names = "--status", description = "Only runs in this status.")
    String status;

    @Override
    public Integer call() throws Exception {
      String query =
          "?limit=50"
              + (chain == null ? "" : "&chain=" + ApiClient.part(chain))
              + (status == null ? "" : "&status=" + ApiClient.part(status));
      return api.print(
          api.get("/jobs/chain-runs" + query),
          body -> body.path("chain_runs").forEach(ChainsCommand::chainRow));
    }
  }

  @Command(name = "status", description = "One chain run with each step and its run.")
  static final class Status implements Callable<Integer> {
    @Mixin ApiClient api;

    @Parameters(paramLabel = "CHAIN_RUN_ID")
    String id;

    @Override
    public Integer call() throws Exception {
      return api.print(
          api.get("/jobs/chain-runs/" + ApiClient.part(id)),
          r -> {
            chainRow(r);
            r.path("steps")
                .forEach(
                    s ->
                        System.out.printf(
                            "  %-20s %-10s attempt %d  run %s%n",
                            ApiClient.text(s, "name"),
                            ApiClient.text(s, "status"),
                            s.path("attempt").asInt(),
                            ApiClient.text(s, "run_id")));
          });
    }
  }

  @Command(
      name = "cancel",
      description = "Cancel a chain run: running steps are cancelled, the rest skipped.")
  static final class Cancel implements Callable<Integer> {
    @Mixin ApiClient api;

    @Parameters(paramLabel = "CHAIN_RUN_ID")
    String id;

    @Override
    public Integer call() throws Exception {
      return api.print(
          api.post("/jobs/chain-runs/" + ApiClient.part(id) + "/cancel"),
          b -> System.out.println(id + ": cancelling"));
    }
  }
}
