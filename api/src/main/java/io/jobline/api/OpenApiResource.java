package io.jobline.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.api.auth.Role;
import io.jobline.wire.Json;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code GET /openapi.json}: the OpenAPI 3.1 document of every route. */
@Path("/openapi.json")
@Produces(MediaType.APPLICATION_JSON)
public final class OpenApiResource {
  private final ObjectNode document = build();

  @GET
  @RolesAllowed(Role.VIEWER_NAME)
  public JsonNode document() {
    return document;
  }

  static ObjectNode build() {
    ObjectNode doc = Json.object().put("openapi", "3.1.0");
    doc.putObject("info")
        .put("title", "Jobline API")
        .put("version", "0.1.0")
        .put(
            "description",
            "Run jobs now, follow runs, manage schedules. Errors are application/problem+json naming the field at fault.");
    ObjectNode paths = doc.putObject("paths");
    ObjectNode schemas = doc.putObject("components").putObject("schemas");
    schemas.set("JobRequest", resource("/schemas/job-request.schema.json"));
    schemas.set("RunEvent", resource("/schemas/run-event.schema.json"));
    schemas.set(
        "Problem",
        object(
                "type", "string", "title", "string", "status", "integer", "detail", "string",
                "field", "string")
            .set(
                "properties",
                ((ObjectNode)
                        object(
                                "type", "string", "title", "string", "status", "integer", "detail",
                                "string", "field", "string")
                            .get("properties"))
                    .set(
                        "errors",
                        Json.object()
                            .put("type", "array")
                            .set("items", Json.object().put("type", "string")))));
    schemas.set(
        "RunNow",
        object(
            "tenant_id",
            "string",
            "params",
            "object",
            "timeout_seconds",
            "integer",
            "max_attempts",
            "integer",
            "retry_backoff_seconds",
            "integer",
            "retry_backoff_cap_seconds",
            "integer"));
    schemas.set(
        "Accepted",
        object(
            "run_id",
            "string",
            "job_name",
            "string",
            "status",
            "string",
            "status_url",
            "string",
            "requested_at",
            "string"));
    schemas.set(
        "Job",
        object(
            "name",
            "string",
            "description",
            "string",
            "timeout_seconds",
            "integer",
            "retries",
            "integer",
            "scope",
            "string",
            "per_tenant",
            "boolean",
            "max_concurrency",
            "integer",
            "params_schema",
            "object"));
    schemas.set(
        "LogEntry",
        object(
            "timestamp",
            "string",
            "level",
            "string",
            "message",
            "string",
            "percentage",
            "integer"));
    schemas.set(
        "Run",
        object(
            "job_name",
            "string",
            "run_id",
            "string",
            "status",
            "string",
            "started_at",
            "string",
            "completed_at",
            "string",
            "duration_seconds",
            "number",
            "result",
            "any",
            "error",
            "string",
            "logs",
            "array",
            "tenant_id",
            "string",
            "attempt",
            "integer",
            "attempts",
            "array",
            "requested_at",
            "string",
            "progress",
            "integer",
            "trigger",
            "object",
            "params",
            "object",
            "executor_id",
            "string",
            "parent_run_id",
            "string"));
    schemas.set("RunPage", object("runs", "array", "next_cursor", "string"));
    schemas.set(
        "LogPage",
        object(
            "run_id",
            "string",
            "total",
            "integer",
            "truncated",
            "boolean",
            "logs",
            "array",
            "next_offset",
            "integer"));
    schemas.set(
        "Schedule",
        object(
            "job_name",
            "string",
            "description",
            "string",
            "cron_expression",
            "string",
            "is_enabled",
            "boolean",
            "job_type",
            "string",
            "parameters",
            "object",
            "max_attempts",
            "integer",
            "timeout_seconds",
            "integer",
            "chain",
            "array",
            "timezone",
            "string",
            "tenant_id",
            "string",
            "trigger_type",
            "string",
            "interval_seconds",
            "integer",
            "run_at",
            "string",
            "misfire_policy",
            "string",
            "misfire_grace_seconds",
            "integer",
            "misfire_max_runs",
            "integer",
            "overlap",
            "string",
            "jitter_seconds",
            "integer",
            "paused",
            "boolean",
            "last_run_at",
            "string",
            "last_run_status",
            "string",
            "last_run_id",
            "string",
            "next_run_at",
            "string",
            "description_of_trigger",
            "string",
            "next_fire_times",
            "array"));
    schemas.set(
        "CronPreviewRequest",
        object(
            "cron_expression",
            "string",
            "timezone",
            "string",
            "count",
            "integer",
            "from",
            "string"));
    schemas.set(
        "CronPreview",
        object(
            "cron_expression",
            "string",
            "timezone",
            "string",
            "description",
            "string",
            "from",
            "string",
            "fire_times",
            "array",
            "dst_notes",
            "array"));
    schemas.set("Stats", object("since", "string", "stats", "array"));
    schemas.set(
        "ChainStep",
        object(
            "name",
            "string",
            "job",
            "string",
            "params",
            "object",
            "depends_on",
            "array",
            "on_failure",
            "string",
            "retries",
            "integer",
            "retry_delay_seconds",
            "integer"));
    schemas.set(
        "Chain",
        object("name", "string", "description", "string", "steps", "array", "source", "string"));
    schemas.set("ChainRunNow", object("tenant_id", "string", "params", "object"));
    schemas.set(
        "ChainAccepted",
        object(
            "chain_run_id",
            "string",
            "chain_name",
            "string",
            "status",
            "string",
            "status_url",
            "string"));
    schemas.set(
        "ChainRun",
        object(
            "chain_run_id",
            "string",
            "chain_name",
            "string",
            "tenant_id",
            "string",
            "params",
            "object",
            "definition",
            "object",
            "status",
            "string",
            "steps",
            "array",
            "trigger",
            "object",
            "requested_at",
            "string",
            "requested_by",
            "string",
            "started_at",
            "string",
            "ended_at",
            "string",
            "cancel_requested",
            "boolean",
            "url",
            "string"));
    schemas.set("ChainRunPage", object("chain_runs", "array"));

    op(paths, "/jobs", "get", "The job catalogue", null, "200", "Job[]");
    op(paths, "/jobs/{name}", "get", "One job of the catalogue", null, "200", "Job", "404");
    op(
        paths,
        "/jobs/run/{job_name}",
        "post",
        "Queue a run of a job now",
        "RunNow",
        "202",
        "Accepted",
        "400",
        "404");
    ((ArrayNode) paths.path("/jobs/run/{job_name}").path("post").get("parameters"))
        .addObject()
        .put("name", "Idempotency-Key")
        .put("in", "header")
        .put("required", false)
        .put(
            "description",
            "1-128 of A-Za-z0-9._:-; the same tenant, job and key always name the same run, so a "
                + "request retried after a timeout or on another api cannot start a second run")
        .putObject("schema")
        .put("type", "string");
    op(
        paths,
        "/jobs/runs",
        "get",
        "List runs (filters: job, tenant, status, schedule, parent_run, chain_run, from, to; sort; cursor; limit ≤ 500)",
        null,
        "200",
        "RunPage",
        "400");
    op(
        paths,
        "/jobs/runs/{run_id}",
        "get",
        "One run: status, timing, result, error, logs, attempts (secrets in params shown as [redacted])",
        null,
        "200",
        "Run",
        "404");
    op(
        paths,
        "/jobs/runs/{run_id}/logs",
        "get",
        "A run's log lines in pages (offset, limit)",
        null,
        "200",
        "LogPage",
        "400",
        "404");
    op(
        paths,
        "/jobs/runs/{run_id}/stream",
        "get",
        "Server-sent events (text/event-stream) of a run's status, log and progress as they happen, then end: each "
            + "event is flushed at once and has an id (LOG_LINES:STATUS) to resume from with Last-Event-ID; a "
            + "': heartbeat' comment every 15 s while nothing happens; no server thread waits on an open stream, "
            + "and a client that takes nothing for api.streamStall (20 s) is cut off (reconnect with Last-Event-ID)",
        null,
        "200",
        null,
        "400",
        "404");
    ObjectNode stream = (ObjectNode) paths.path("/jobs/runs/{run_id}/stream").path("get");
    ((ArrayNode) stream.get("parameters"))
        .addObject()
        .put("name", "Last-Event-ID")
        .put("in", "header")
        .put("required", false)
        .put(
            "description",
            "the id of the last event the client has: the stream goes on after it, repeating "
                + "nothing; not an id this stream sends: 400 naming Last-Event-ID")
        .putObject("schema")
        .put("type", "string");
    ((ObjectNode) stream.path("responses").path("200"))
        .putObject("content")
        .putObject("text/event-stream")
        .putObject("schema")
        .put("type", "string")
        .put(
            "description",
            "event: status|log|progress|end; "
                + "data: a JSON object (log and progress: a LogEntry; end: run_id, status, result, error)");
    op(
        paths,
        "/jobs/runs/{run_id}/cancel",
        "post",
        "Cancel a queued or running run",
        null,
        "202",
        null,
        "404",
        "409");
    op(
        paths,
        "/jobs/runs/{run_id}/retry",
        "post",
        "Run an ended (failed, timed-out, cancelled) run again as a new attempt"
            + " (409 naming params when its params held a secret, which is not kept)",
        null,
        "202",
        null,
        "404",
        "409");
    op(
        paths,
        "/jobs/stats",
        "get",
        "Counts by status and durations per job (job, tenant, by_tenant), kept by history in job_stats",
        null,
        "200",
        "Stats",
        "400");
    schemas.set(
        "StatusCounts",
        object("since", "string", "tenant", "string", "counts", "object", "total", "integer"));
    op(
        paths,
        "/jobs/stats/status-counts",
        "get",
        "How many runs of each status were requested since `since` "
            + "(default an hour ago, at most 31 days; filter tenant), for charts",
        null,
        "200",
        "StatusCounts",
        "400");
    schemas.set(
        "Backlog",
        object(
            "as_of",
            "string",
            "group",
            "string",
            "tenant",
            "string",
            "complete",
            "boolean",
            "tenants",
            "array",
            "partitions",
            "array"));
    op(
        paths,
        "/jobs/stats/backlog",
        "get",
        "Per tenant, the requests the executors have not finished (waiting to "
            + "start, or running), from the consumer lag of jobline.requests and jobline.requests.overflow: on each "
            + "partition the records from the executor group's committed offset to the end, less those it finished "
            + "above it, attributed by their key (the tenant). tenants: [{tenant_id, unfinished, at_least}], most first; "
            + "at most 20,000 records are read a look (shared by the partitions behind), so where a partition is not read "
            + "through, its tenants' counts are lower bounds (at_least) and complete is false; partitions: topic, partition, "
            + "committed_offset, end_offset, unfinished, read_through, tenants. Kept for 5 s (as_of). Filter tenant",
        null,
        "200",
        "Backlog",
        "503");
    op(
        paths,
        "/jobs/schedules",
        "post",
        "Create or replace a schedule",
        "Schedule",
        "201",
        "Schedule",
        "400");
    op(
        paths,
        "/jobs/schedules",
        "get",
        "All schedules, each with description_of_trigger and next_fire_times "
            + "(none while paused or disabled)",
        null,
        "200",
        "Schedule[]");
    op(paths, "/jobs/schedules/{job_name}", "get", "One schedule", null, "200", "Schedule", "404");
    op(
        paths,
        "/jobs/schedules/{job_name}",
        "patch",
        "Change some fields of a schedule",
        "Schedule",
        "200",
        "Schedule",
        "400",
        "404");
    op(
        paths,
        "/jobs/schedules/{job_name}",
        "delete",
        "Delete a schedule",
        null,
        "204",
        null,
        "404");
    op(
        paths,
        "/jobs/schedules/{job_name}/pause",
        "post",
        "Pause a schedule",
        null,
        "200",
        "Schedule",
        "404");
    op(
        paths,
        "/jobs/schedules/{job_name}/resume",
        "post",
        "Resume a schedule from now",
        null,
        "200",
        "Schedule",
        "404");
    op(
        paths,
        "/jobs/schedules/{job_name}/trigger",
        "post",
        "Run a schedule's job now",
        null,
        "202",
        null,
        "404");
    op(
        paths,
        "/jobs/check-schedules",
        "post",
        "Run one scheduling cycle now; returns the runs it triggered",
        null,
        "200",
        null);
    op(
        paths,
        "/jobs/cron/preview",
        "post",
        "Describe a cron expression and list its next fire times, DST included: "
            + "dst_notes name the fires a spring-forward gap skips or a fall-back overlap folds, among those listed and "
            + "around the zone's transitions within a year after from (at most 10 more)",
        "CronPreviewRequest",
        "200",
        "CronPreview",
        "400");
    op(
        paths,
        "/jobs/chains",
        "get",
        "Every chain, declared in code (@JobChain) or posted",
        null,
        "200",
        "Chain[]");
    op(
        paths,
        "/jobs/chains",
        "post",
        "Create or replace a chain; 400 names the step at fault (cycle, unknown job or dependency)",
        "Chain",
        "201",
        "Chain",
        "400",
        "409");
    op(paths, "/jobs/chains/{name}", "get", "One chain", null, "200", "Chain", "404");
    op(
        paths,
        "/jobs/chains/{name}/run",
        "post",
        "Start a run of a chain; every step's params are checked first",
        "ChainRunNow",
        "202",
        "ChainAccepted",
        "400",
        "404");
    op(
        paths,
        "/jobs/chain-runs",
        "get",
        "Chain runs, newest first (filters: chain, tenant, status; limit ≤ 500)",
        null,
        "200",
        "ChainRunPage",
        "400");
    op(
        paths,
        "/jobs/chain-runs/{id}",
        "get",
        "One chain run: overall status and each step with its run linked",
        null,
        "200",
        "ChainRun",
        "404");
    op(
        paths,
        "/jobs/chain-runs/{id}/cancel",
        "post",
        "Cancel a chain run: running steps are cancelled, the rest skipped",
        null,
        "202",
        null,
        "404",
        "409");
    op(
        paths,
        "/jobs/audit",
        "get",
        "The audit trail: who cancelled, retried, triggered, created, changed or deleted "
            + "what, and when (filters: target_type, target, actor, action, tenant; limit ≤ 500)",
        null,
        "200",
        null,
        "400");
    schemas.set(
        "DeadLetter",
        object(
            "id",
            "string",
            "topic",
            "string",
            "partition",
            "integer",
            "offset",
            "integer",
            "time",
            "string",
            "reason",
            "string",
            "source_topic",
            "string",
            "source_partition",
            "integer",
            "source_offset",
            "integer",
            "key",
            "string",
            "tenant_id",
            "string",
            "job_name",
            "string",
            "run_id",
            "string",
            "record",
            "object",
            "record_text",
            "string",
            "record_truncated",
            "boolean",
            "redriven",
            "boolean",
            "redrives",
            "array"));
    schemas.set("DeadLetterPage", object("dead_letters", "array", "next_cursor", "string"));
    schemas.set("Redrive", object("record", "object"));
    schemas.set(
        "Redriven",
        object(
            "dead_letter_id",
            "string",
            "run_id",
            "string",
            "attempt",
            "integer",
            "status",
            "string",
            "status_url",
            "string"));
    op(
        paths,
        "/jobs/dead-letters",
        "get",
        "Records of the dead-letter topics (jobline.requests.dlq, "
            + "jobline.history.dlq), newest first: record, reason, topic, partition, offset, time, redrives (filters: tenant, "
            + "job, topic, redriven; cursor; limit ≤ 500)",
        null,
        "200",
        "DeadLetterPage",
        "400");
    op(
        paths,
        "/jobs/dead-letters/{id}",
        "get",
        "One dead letter",
        null,
        "200",
        "DeadLetter",
        "404");
    op(
        paths,
        "/jobs/dead-letters/{id}/redrive",
        "post",
        "Send a dead-lettered request again to jobline.requests, "
            + "as it was (no body) or corrected ({\"record\": {…}}); the run it names goes on as its next attempt; "
            + "recorded in the audit trail and on the dead letter. 400 names the field of a bad corrected record; 409 "
            + "when the record cannot run as it was or its run has not ended",
        "Redrive",
        "202",
        "Redriven",
        "400",
        "404",
        "409");
    ((ObjectNode) paths.path("/jobs/dead-letters/{id}/redrive").path("post").path("requestBody"))
        .put("required", false);
    schemas.set(
        "Caller",
        object(
            "name",
            "string",
            "role",
            "string",
            "tenant",
            "string",
            "may_operate",
            "boolean",
            "may_administer",
            "boolean"));
    op(
        paths,
        "/jobs/me",
        "get",
        "Who the bearer token stands for: name, role, tenant (null: every tenant)",
        null,
        "200",
        "Caller");
    schemas.set("Executors", object("executors", "array"));
    op(
        paths,
        "/jobs/executors",
        "get",
        "The executors that are up (holding a partition lease not yet expired): "
            + "executor_id, partitions of jobline.requests held, lease_expires_at",
        null,
        "200",
        "Executors");
    op(paths, "/openapi.json", "get", "This document", null, "200", null);
    describeAccess(paths);
    return doc;
  }

  /** Resources whose routes this document lists. */
  private static final List<Class<?>> RESOURCES =
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

  /**
   * Adds to each operation the least role it needs (read from its {@code @RolesAllowed}), the
   * tenant rule for tokens bound to a tenant, and the 401, 403 and 429 answers every route may
   * give.
   */
  private static void describeAccess(ObjectNode paths) {
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
                .set("schema", ref("Problem"));
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

  private static void op(
      ObjectNode paths,
      String path,
      String method,
      String summary,
      String body,
      String okStatus,
      String okSchema,
      String... errors) {
    ObjectNode item = paths.has(path) ? (ObjectNode) paths.get(path) : paths.putObject(path);
    ObjectNode op = item.putObject(method).put("summary", summary);
    ArrayNode params = op.putArray("parameters");
    Matcher m = Pattern.compile("\\{(\\w+)}").matcher(path);
    while (m.find()) {
      params
          .addObject()
          .put("name", m.group(1))
          .put("in", "path")
          .put("required", true)
          .set("schema", Json.object().put("type", "string"));
    }
    if (body != null) {
      op.putObject("requestBody")
          .put("required", true)
          .putObject("content")
          .putObject("application/json")
          .set("schema", ref(body));
    }
    ObjectNode responses = op.putObject("responses");
    ObjectNode ok = responses.putObject(okStatus).put("description", "OK");
    if (okSchema != null) {
      ok.putObject("content").putObject("application/json").set("schema", ref(okSchema));
    }
    for (String error : errors) {
      responses
          .putObject(error)
          .put("description", "Problem")
          .putObject("content")
          .putObject("application/problem+json")
          .set("schema", ref("Problem"));
    }
  }

  private static JsonNode ref(String name) {
    if (name.endsWith("[]")) {
      return Json.object()
          .put("type", "array")
          .set("items", ref(name.substring(0, name.length() - 2)));
    }
    return Json.object().put("$ref", "#/components/schemas/" + name);
  }

  private static ObjectNode object(String... nameTypes) {
    ObjectNode schema = Json.object().put("type", "object");
    ObjectNode props = schema.putObject("properties");
    for (int i = 0; i < nameTypes.length; i += 2) {
      ObjectNode p = props.putObject(nameTypes[i]);
      if (!nameTypes[i + 1].equals("any")) {
        p.put("type", nameTypes[i + 1]);
      }
    }
    return schema;
  }

  private static JsonNode resource(String path) {
    try (InputStream in = OpenApiResource.class.getResourceAsStream(path)) {
      ObjectNode schema = (ObjectNode) Json.mapper().readTree(in);
      schema.remove("$schema");
      schema.remove("$id");
      return schema;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
