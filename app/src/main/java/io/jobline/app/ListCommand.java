package io.jobline.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobline.job.JobDescriptor;
import io.jobline.job.JobRegistry;
import io.jobline.wire.Json;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jobline list}: the job catalogue with each job's parameters. */
@Command(
    name = "list",
    mixinStandardHelpOptions = true,
    description = "List the jobs and their parameters.")
final class ListCommand implements Callable<Integer> {
  @Option(
      names = "--packages",
      split = ",",
      description =
          "Packages to scan for @Job methods (default: io.jobline.examples); the built-ins are always listed.")
  List<String> packages = JobsSettings.DEFAULT_PACKAGES;

  @Option(names = "--json", description = "Print the catalogue as JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    JobsSettings settings = new JobsSettings();
    settings.packages = packages;
    List<JobDescriptor> jobs = JobRegistry.scan(settings.scanned()).descriptors();
    if (json) {
      System.out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(jobs));
      return 0;
    }
    System.out.printf(
        "%-22s %8s %7s %-13s %-10s %s%n",
        "JOB", "TIMEOUT", "RETRIES", "SCOPE", "PER-TENANT", "DESCRIPTION");
    for (JobDescriptor j : jobs) {
      System.out.printf(
          "%-22s %7ds %7d %-13s %-10s %s%n",
          j.name(),
          j.timeoutSeconds(),
          j.retries(),
          Json.tree(j.scope()).asText(),
          j.perTenant() ? "yes" : "no",
          j.description());
      for (String param : params(j.paramsSchema())) {
        System.out.println("    " + param);
      }
    }
    return 0;
  }

  /** One line per property of the params schema: name, type, required, constraints. */
  static List<String> params(JsonNode schema) {
    List<String> out = new ArrayList<>();
    if (schema == null) {
      return out;
    }
    List<String> required = new ArrayList<>();
    schema.path("required").forEach(r -> required.add(r.asText()));
    for (Iterator<Map.Entry<String, JsonNode>> it = schema.path("properties").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> p = it.next();
      StringBuilder line =
          new StringBuilder("--params ")
              .append(p.getKey())
              .append(": ")
              .append(p.getValue().path("type").asText("any"));
      if (required.contains(p.getKey())) {
        line.append(", required");
      }
      p.getValue()
          .fields()
          .forEachRemaining(
              c -> {
                if (!c.getKey().equals("type") && !c.getKey().equals("description")) {
                  line.append(", ").append(c.getKey()).append(' ').append(c.getValue());
                }
              });
      if (p.getValue().has("description")) {
        line.append(" — ").append(p.getValue().path("description").asText());
      }
      out.add(line.toString());
    }
    return out;
  }
}
