package io.jobline.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.api.auth.Access;
import io.jobline.api.auth.Role;
import io.jobline.job.JobDescriptor;
import io.jobline.job.ParamsValidator;
import io.jobline.run.RunRecord;
import io.jobline.store.CatalogueStore;
import io.jobline.store.DeadLetterStore;
import io.jobline.store.PageCursor;
import io.jobline.store.RunStore;
import io.jobline.topic.DeadLetter;
import io.jobline.topic.EventProducer;
import io.jobline.topic.RequestProducer;
import io.jobline.topic.Topics;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import io.jobline.wire.Secrets;
import io.jobline.wire.Trigger;
import io.jobline.wire.WireLimits;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The dead-letter topics as history keeps them ({@code job_dead_letters}): list, read, and redrive
 * a request record — as it was or corrected — as a run that goes on to the end like any other.
 */
@Path("/jobs/dead-letters")
@Produces(MediaType.APPLICATION_JSON)
public final class DeadLettersResource {
  private static final Set<String> TOPICS =
      Set.of(Topics.REQUESTS_DLQ.name(), Topics.HISTORY_DLQ.name());
  private static final String EXAMPLE =
      "{\"record\":{\"job_name\":\"settlement\",\"params\":{\"period\":\"2026-03\"}}}";

  /** What redriving needs: the stores, the topics, the catalogue, the audit trail and a clock. */
  public record Deps(
      DeadLetterStore letters,
      RunStore runs,
      CatalogueStore catalogue,
      RequestProducer requests,
      EventProducer events,
      Auditor auditor,
      Clock clock) {}

  private final Deps deps;
  private final ParamsValidator validator = new ParamsValidator();

  public DeadLettersResource(Deps deps) {
    this.deps = deps;
  }

  /** Dead letters, newest first, filtered; follow {@code next_cursor} for the next page. */
  @GET
  @RolesAllowed(Role.VIEWER_NAME)
  public Map<String, Object> list(
      @Context SecurityContext sc,
      @QueryParam("tenant") String asked,
      @QueryParam("job") String job,
      @QueryParam("topic") String topic,
      @QueryParam("redriven") Boolean redriven,
      @QueryParam("cursor") String cursor,
      @QueryParam("limit") Integer limit) {
    int size = RunsResource.pageSize(limit, RunsResource.DEFAULT_PAGE);
    if (topic != null && !TOPICS.contains(topic)) {
      throw ApiException.badRequest("topic", "topic must be one of " + new TreeSet<>(TOPICS));
    }
    PageCursor after = null;
    if (cursor != null) {
      try {
        after = PageCursor.decode(cursor);
      } catch (IllegalArgumentException e) {
        throw ApiException.badRequest("cursor", "not a cursor returned by this API");
      }
    }
    String tenant = Access.tenantFilter(sc, asked);
    Map<String, Object> out = new LinkedHashMap<>();
    if (asked != null && !asked.equals(tenant)) {
      out.put("dead_letters", List.of());
      out.put("next_cursor", null);
      return out;
    }
    List<DeadLetter> page =
        deps.letters().list(new DeadLetterStore.Query(tenant, job, topic, redriven, after, size));
    out.put("dead_letters", page.stream().map(DeadLettersResource::view).toList());
    DeadLetter last = page.isEmpty() ? null : page.get(page.size() - 1);
    out.put(
        "next_cursor",
        page.size() < size || last == null
            ? null
            : new PageCursor(last.time(), last.id()).encode());
    return out;
  }

  /** One dead letter. */
  @GET
  @Path("/{id}")
  @RolesAllowed(Role.VIEWER_NAME)
  public Map<String, Object> show(@PathParam("id") String id, @Context SecurityContext sc) {
    return view(find(id, sc));
  }

  /**
   * Sends a dead-lettered request again — as it was, or as {@code record} in the body — to the
   * topic it came from; the run it names goes on as its next attempt (a run history never saw
   * starts at its first). 202 with the run's id.
   */
  @POST
  @Path("/{id}/redrive")
  @RolesAllowed(Role.ADMIN_NAME)
  @Consumes({MediaType.APPLICATION_JSON, MediaType.WILDCARD})
  public Response redrive(@PathParam("id") String id, String body, @Context SecurityContext sc) {
    DeadLetter letter = find(id, sc);
    if (!letter.topic().equals(Topics.REQUESTS_DLQ.name())) {
      throw new ApiException(
          409,
          "Cannot be redriven",
          "dead letter '"
              + id
              + "' is a run history set aside, "
              + "not a request (its stripped copy is in the runs); run its job again with POST /jobs/run/{job_name}",
          "id",
          null);
    }
    boolean corrected = body != null && !body.isBlank();
    JobRequest given = corrected ? corrected(body) : original(letter);
    if (given.jobName() == null || given.jobName().isBlank()) {
      throw problem(corrected, "record.job_name", "the record has no job_name");
    }
    Optional<WireLimits.Violation> bad = given.violation();
    if (bad.isPresent()) {
      throw problem(
          corrected,
          "record." + bad.get().path().split("[.\\[]")[0],
          "the record cannot be carried: " + bad.get());
    }
    JobDescriptor job =
        deps.catalogue()
            .find(given.jobName())
            .orElseThrow(
                () ->
                    problem(
                        corrected,
                        "record.job_name",
                        "job '"
                            + given.jobName()
                            + "' is not in the catalogue: no executor could run it"));
    Access.mayRun(sc, job);
    String tenant = Access.tenantFor(sc, given.tenantId());
    JsonNode params = given.params() == null ? Json.object() : given.params();
    if (Secrets.holdsRedacted(params)) {
      throw problem(
          corrected,
          "record.params",
          "the params of the record held a secret, which Jobline does not keep "
              + "(it shows "
              + Secrets.REDACTED
              + "); give it again, or pass it as env:NAME");
    }
    List<String> violations = validator.violations(job, params);
    if (!violations.isEmpty()) {
      throw new ApiException(
          corrected ? 400 : 409,
          "Invalid params",
          "the params of the record do not match the "
              + "schema of job '"
              + job.name()
              + "'"
              + (corrected ? "" : "; redrive it with a corrected record"),
          "record.params",
          violations);
    }
    RunId runId = given.runId() != null ? given.runId() : derivedRunId(letter);
    Optional<RunRecord> run = deps.runs().find(runId.value());
    if (run.isPresent() && !Access.caller(sc).sees(run.get().tenantId())) {
      throw new ApiException(
          403,
          "Forbidden",
          "run '" + runId.value() + "' belongs to another tenant",
          "record.run_id",
          null);
    }
    if (run.isPresent() && (run.get().status() == null || !run.get().status().isTerminal())) {
      throw new ApiException(
          409,
          "Cannot be redriven",
          "run '"
              + runId.value()
              + "' is "
              + (run.get().status() == null ? "unknown" : run.get().status().wire())
              + "; redrive it once it has ended",
          "record.run_id",
          null);
    }
    if (run.isEmpty() && runId.value().equals(letter.runId())) {
      // the executor ends the run it refused as failed: going on before history shows that would
      // race it
      throw new ApiException(
          409,
          "Cannot be redriven yet",
          "run '"
              + runId.value()
              + "' that this record named is "
              + "not in the history yet (it is being ended as failed); try again in a moment",
          "record.run_id",
          null);
    }
    int attempt = run.map(r -> Math.max(1, r.attempt()) + 1).orElse(1);
    Integer maxAttempts = given.maxAttempts();
    if (attempt > 1) {
      maxAttempts = Math.max(attempt, maxAttempts == null ? attempt : maxAttempts);
    }
    String by = Access.caller(sc).name();
    Instant now = deps.clock().instant();
    JobRequest request =
        new JobRequest(
            runId,
            job.name(),
            params,
            tenant,
            given.scope(),
            attempt,
            maxAttempts,
            given.timeoutSeconds(),
            given.trigger() == null ? Trigger.topic() : given.trigger(),
            now,
            by,
            given.parentRunId(),
            given.retryBackoffSeconds(),
            given.retryBackoffCapSeconds());
    if (run.isPresent()) {
      RunAgain.send(deps.events(), deps.requests(), run.get(), request, by, now);
    } else {
      deps.requests().sendAndWait(request);
    }
    deps.letters().redriven(id, new DeadLetter.Redrive(now, by, runId.value(), attempt, corrected));
    deps.auditor()
        .record(
            sc,
            "redrive",
            "dead_letter",
            id,
            tenant,
            Json.object()
                .put("run_id", runId.value())
                .put("attempt", attempt)
                .put("corrected", corrected));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("dead_letter_id", id);
    out.put("run_id", runId.value());
    out.put("attempt", attempt);
    out.put("status", "queued");
    out.put("status_url", "/jobs/runs/" + runId.value());
    return Response.accepted(out).build();
  }

  /** The run id the executor gave a record without one (from where the record first lay). */
  private static RunId derivedRunId(DeadLetter letter) {
    if (letter.sourceTopic() != null
        && letter.sourcePartition() != null
        && letter.sourceOffset() != null) {
      return RunId.forRecord(letter.sourceTopic(), letter.sourcePartition(), letter.sourceOffset());
    }
    return RunId.forRecord(letter.topic(), letter.partition(), letter.offset());
  }

  private static JobRequest corrected(String body) {
    ObjectNode wrapper = Bodies.object(body, EXAMPLE, Set.of("record"));
    JsonNode record = wrapper.get("record");
    if (!(record instanceof ObjectNode)) {
      throw ApiException.badRequest(
          "record", "record must be the corrected request as a JSON object, e.g. " + EXAMPLE);
    }
    try {
      return Json.mapper().treeToValue(record, JobRequest.class);
    } catch (JsonProcessingException e) {
      throw ApiException.badRequest(
          fieldOf(e), "record is not a request: " + e.getOriginalMessage());
    }
  }

  private static JobRequest original(DeadLetter letter) {
    if (letter.value() == null || letter.valueTruncated()) {
      throw new ApiException(
          409,
          "Cannot be redriven as it was",
          "the record of dead letter '"
              + letter.id()
              + "' was "
              + (letter.value() == null
                  ? "empty"
                  : "larger than " + DeadLetter.MAX_VALUE_CHARS + " characters")
              + "; redrive it with a corrected record in the body, e.g. "
              + EXAMPLE,
          "record",
          null);
    }
    try {
      JobRequest r = Json.mapper().readValue(letter.value(), JobRequest.class);
      if (r == null) {
        throw new ApiException(
            409,
            "Cannot be redriven as it was",
            "the record is empty; send a corrected record",
            "record",
            null);
      }
      return r;
    } catch (JsonProcessingException e) {
      throw new ApiException(
          409,
          "Cannot be redriven as it was",
          "the record is not a request ("
              + e.getOriginalMessage()
              + "); redrive it with a corrected record in the body, e.g. "
              + EXAMPLE,
          fieldOf(e),
          null);
    }
  }

  private static String fieldOf(JsonProcessingException e) {
    if (e instanceof JsonMappingException m
        && !m.getPath().isEmpty()
        && m.getPath().get(0).getFieldName() != null) {
      return "record." + m.getPath().get(0).getFieldName();
    }
    return "record";
  }

  /** Bad input in a corrected record is a 400; an original that cannot run as it was, a 409. */
  private static ApiException problem(boolean corrected, String field, String detail) {
    return corrected
        ? ApiException.badRequest(field, detail)
        : new ApiException(
            409,
            "Cannot be redriven as it was",
            detail + "; redrive it with a corrected record",
            field,
            null);
  }

  private DeadLetter find(String id, SecurityContext sc) {
    DeadLetter d = deps.letters().find(id).orElseThrow(() -> notFound(id));
    // a dead letter of no tenant (unreadable) is for tokens that see every tenant
    if (Access.caller(sc).tenant() != null && !Access.caller(sc).tenant().equals(d.tenantId())) {
      throw notFound(id);
    }
    return d;
  }

  private static ApiException notFound(String id) {
    return ApiException.notFound(
        "no dead letter '" + id + "' (one just dead-lettered appears within a moment)");
  }

  /**
   * The dead letter as the api shows it: the record as JSON where it reads as JSON, else as text.
   */
  static Map<String, Object> view(DeadLetter d) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", d.id());
    m.put("topic", d.topic());
    m.put("partition", d.partition());
    m.put("offset", d.offset());
    m.put("time", d.time());
    m.put("reason", d.reason());
    m.put("source_topic", d.sourceTopic());
    m.put("source_partition", d.sourcePartition());
    m.put("source_offset", d.sourceOffset());
    m.put("key", d.key());
    m.put("tenant_id", d.tenantId());
    m.put("job_name", d.jobName());
    m.put("run_id", d.runId());
    JsonNode json = readable(d);
    m.put("record", json);
    m.put("record_text", json == null ? d.value() : null);
    m.put("record_truncated", d.valueTruncated());
    m.put("redriven", d.redriven());
    m.put("redrives", d.redrives() == null ? List.of() : d.redrives());
    return m;
  }

  private static JsonNode readable(DeadLetter d) {
    if (d.value() == null || d.valueTruncated()) {
      return null;
    }
    try {
      JsonNode node = Json.mapper().readTree(d.value());
      return node != null && node.isObject() && WireLimits.check("record", node).isEmpty()
          ? node
          : null;
    } catch (JsonProcessingException | RuntimeException e) {
      return null;
    }
  }
}
