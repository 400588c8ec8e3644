package io.jobline.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.wire.Json;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;

/**
 * What each route of the OpenAPI document needs of a token: the least role, read from the resource
 * method's {@code @RolesAllowed} so the document cannot drift from what is enforced, the rule for
 * tokens bound to a tenant, and the answers every route may give when access fails.
 */
final class OpenApiAccess {
  /** Resources whose routes this document lists. */
  static final List<Class<?>> RESOURCES =
      List.of(
          JobsResource.class,
          RunsResource.class,
          StatsResource.class,
          SchedulesResource.class,
          ScheduleCheckResource.class,
          CronResource.class,
          ChainsResource.class,
          ChainRunsResource.class,
          AuditResource.class,
          DeadLettersResource.class,
          CallerResource.class,
          ExecutorsResource.class);

  /**
   * What a token bound to a tenant may do on a route, where it is not simply "its own tenant's
   * only".
   */
  private static final Map<String, String> TENANT_RULES =
      Map.of(
          "post /jobs/run/{job_name}",
              "runs for its own tenant only (another tenant_id: 403); a job of system scope: 403",
          "post /jobs/schedules",
              "schedules for its own tenant only; a schedule running a job of system scope: 403",
          "post /jobs/check-schedules", "403: the cycle spans every tenant",
          "post /jobs/chains", "403: a chain definition serves every tenant",
          "post /jobs/chains/{name}/run",
              "for its own tenant only; a chain with a step of system scope: 403",
          "get /jobs/dead-letters",
              "its own tenant's dead letters only (a record whose tenant cannot be read: none)",
          "get /jobs/stats/backlog", "its own tenant's count only, without partitions",
          "post /jobs/dead-letters/{id}/redrive",
              "its own tenant's dead letters only, as runs of its own tenant");

  private OpenApiAccess() {}

  /**
   * Adds to each operation the least role it needs (read from its {@code @RolesAllowed}), the
   * tenant rule for tokens bound to a tenant, and the 401, 403 and 429 answers every route may
   * give.
   */
  static void describe(ObjectNode paths) {
    for (Class<?> resource : RESOURCES) {
      String base = resource.getAnnotation(Path.class).value();
      for (Method m : resource.getMethods()) {
        String verb = verb(m);
        RolesAllowed roles = m.getAnnotation(RolesAllowed.class);
        if (verb == null || roles == null) {
          continue;
        }
        Path sub = m.getAnnotation(Path.class);
        String path =
            base
                + (sub == null
                    ? ""
                    : sub.value().startsWith("/") ? sub.value() : "/" + sub.value());
        JsonNode op = paths.path(path).path(verb);
        if (!(op instanceof ObjectNode o)) {
          continue;
        }
        String role = roles.value()[0];
        String tenantRule =
            TENANT_RULES.getOrDefault(
                verb + " " + path,
                "sees and acts on its own tenant's objects only; another tenant's is a 404");
        o.put("x-jobline-role", role);
        o.put(
            "description",
            "Needs the " + role + " role or above. A token bound to a tenant: " + tenantRule + ".");
        ObjectNode responses = (ObjectNode) o.get("responses");
        for (String code : List.of("401", "403", "429", "503")) {
          if (!responses.has(code)) {
            responses
                .putObject(code)
                .put(
                    "description",
                    switch (code) {
                      case "401" -> "No valid bearer token";
                      case "403" ->
                          "The token's role or tenant does not allow this (the problem names the role needed)";
                      case "503" ->
                          "A dependency (MongoDB or Kafka) cannot be reached; the problem names it in errors; "
                              + "Retry-After says when to try again";
                      default ->
                          "Too many write requests or streams for this token (Retry-After says when to try again)";
                    })
                .putObject("content")
                .putObject("application/problem+json")
                .set("schema", Json.object().put("$ref", "#/components/schemas/Problem"));
          }
        }
      }
    }
  }

  private static String verb(Method m) {
    if (m.isAnnotationPresent(GET.class)) {
      return "get";
    } else if (m.isAnnotationPresent(POST.class)) {
      return "post";
    } else if (m.isAnnotationPresent(PATCH.class)) {
      return "patch";
    } else if (m.isAnnotationPresent(DELETE.class)) {
      return "delete";
    }
    return null;
  }
}
