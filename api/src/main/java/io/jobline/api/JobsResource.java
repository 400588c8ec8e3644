package io.jobline.api;

import com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.api.auth.Access;
import io.jobline.api.auth.Role;
import io.jobline.job.JobDescriptor;
import io.jobline.job.ParamsValidator;
import io.jobline.run.RunOptions;
import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.store.CatalogueStore;
import io.jobline.store.DeadLetterStore;
import io.jobline.store.RunStore;
import io.jobline.topic.RequestProducer;
import io.jobline.wire.JobRequest;
import io.jobline.wire.RunId;
import io.jobline.wire.Trigger;
import io.jobline.wire.WireLimits;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** The job catalogue and "run now". */
@Path("/jobs")
@Produces(MediaType.APPLICATION_JSON)
public final class JobsResource {
  /** A run queued: its id, its job, and where to follow it. */
  @JsonNaming(SnakeCaseStrategy.class)
  record Accepted(
      String runId, String jobName, String status, String statusUrl, String requestedAt) {}

  private static final String EXAMPLE = "{\"tenant_id\":\"t1\",\"params\":{}}";
  private final CatalogueStore catalogue;
  private final RequestProducer requests;
  private final ParamsValidator validator;
  private final Clock clock;
  private final AcceptedRuns accepted;
  private final RunStore runs;

  /** Where a key's first attempt is reserved before it is sent ({@link KeyReservation}). */
  private final DeadLetterStore reservations;

  public JobsResource(
      CatalogueStore catalogue,
      RequestProducer requests,
      ParamsValidator validator,
      AcceptedRuns accepted,
      RunStore runs,
      DeadLetterStore reservations,
      Clock clock) {
    this.accepted = accepted;
    this.runs = runs;
    this.reservations = reservations;
    this.catalogue = catalogue;
    this.requests = requests;
    this.validator = validator;
    this.clock = clock;
  }

  @GET
  @RolesAllowed(Role.VIEWER_NAME)
  public List<JobDescriptor> list() {
    return catalogue.list();
  }

  @GET
  @Path("/{name}")
  @RolesAllowed(Role.VIEWER_NAME)
  public JobDescriptor show(@PathParam("name") String name) {
    return job(name);
  }

  /** Queues a run of the job; 202 with its id. */
  @POST
  @Path("/run/{job_name}")
  @RolesAllowed(Role.OPERATOR_NAME)
  @Consumes({MediaType.APPLICATION_JSON, MediaType.WILDCARD})
  public Response run(
      @PathParam("job_name") String jobName,
      String body,
      @Context SecurityContext sc,
      @HeaderParam(IDEMPOTENCY_KEY) String idempotencyKey) {
    JobDescriptor job = job(jobName);
    ObjectNode request = Bodies.object(body, EXAMPLE, FIELDS);
    Access.mayRun(sc, job);
    String tenant = Access.tenantFor(sc, Bodies.optionalTenant(request));
    ObjectNode params = Bodies.optionalObject(request, "params");
    Integer timeout = Bodies.optionalPositiveInt(request, "timeout_seconds");
    Integer maxAttempts =
        Bodies.optionalPositiveInt(request, "max_attempts", WireLimits.MAX_ATTEMPTS);
    Integer backoff =
        Bodies.optionalPositiveInt(
            request, "retry_backoff_seconds", WireLimits.MAX_BACKOFF_SECONDS);
    Integer backoffCap =
        Bodies.optionalPositiveInt(
            request, "retry_backoff_cap_seconds", WireLimits.MAX_BACKOFF_SECONDS);
    Bodies.checkParamsSize(params);
    List<String> violations = validator.violations(job, params);
    if (!violations.isEmpty()) {
      throw new ApiException(
          400,
          "Invalid params",
          "params do not match the schema of job '" + jobName + "'",
          "params",
          violations);
    }
    RunId id =
        idempotencyKey == null
            ? RunId.random(clock)
            : RunId.forIdempotencyKey(tenant, jobName, checkKey(idempotencyKey));
    if (idempotencyKey == null) {
      return send(id, jobName, params, tenant, maxAttempts, timeout, backoff, backoffCap, sc, null);
    }
    // one request of a key at a time in this api: two at once both found it unknown and both
    // sent it (found by review). By key, so a slow send holds up only requests of its own key
    KeyLocks.Held held =
        inFlight
            .tryLock(id.value(), KEY_WAIT)
            .orElseThrow(
                () ->
                    new ApiException(
                            409,
                            "Idempotency-Key in use",
                            "a request with this Idempotency-Key is being answered now; retry it"
                                + " when that one is",
                            IDEMPOTENCY_KEY,
                            null)
                        .retryAfter(1));
    try (held) {
      // a key used before names a run requested already: answer with it, never send it again (a
      // copy of a run that ended would run again, and its params would replace the first ones).
      // One history has yet to write, sent by another api or forgotten here, holds the key's
      // reservation in the store (not searched for on the requests topic: each search holds up
      // to 3 s)
      RunOptions asked = new RunOptions(null, timeout, backoff, backoffCap);
      Optional<RunRecord> stored = runs.find(id.value());
      Optional<RunRecord> known = stored.or(() -> accepted.kept(id.value()));
      if (known.isPresent()) {
        Optional<RunRecord> sent = accepted.sentHere(id.value());
        Optional<String> differs =
            sent.isPresent()
                ? SameRequest.differs(sent.get().params(), sent.get().options(), params, asked)
                : stored.flatMap(r -> SameRequest.differsFromStored(r, params, asked));
        if (differs.isPresent()) {
          throw SameRequest.reused("run", id.value(), differs.get());
        }
        return accepted(known.get().runId().value(), jobName, known.get())
            .header(REPLAYED, "true")
            .build();
      }
      // the request's time, as the reservation keeps it (to the millisecond)
      Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
      KeyReservation.Verdict verdict =
          KeyReservation.reserve(reservations, id.value(), params, asked, now);
      if (verdict instanceof KeyReservation.Replay replay) {
        return accepted(id.value(), jobName, RunStatus.QUEUED, replay.at())
            .header(REPLAYED, "true")
            .build();
      }
      String token = ((KeyReservation.Send) verdict).token();
      Response answer;
      try {
        answer =
            send(id, jobName, params, tenant, maxAttempts, timeout, backoff, backoffCap, sc, now);
      } catch (RuntimeException notSent) {
        KeyReservation.notSent(reservations, id.value(), token, notSent);
        throw notSent;
      }
      KeyReservation.sent(reservations, id.value(), token);
      return answer;
    }
  }

  /** Sends a run-now request, requested at {@code requestedAt} (null: now); 202 naming it. */
  private Response send(
      RunId id,
      String jobName,
      ObjectNode params,
      String tenant,
      Integer maxAttempts,
      Integer timeout,
      Integer backoff,
      Integer backoffCap,
      SecurityContext sc,
      Instant requestedAt) {
    JobRequest run =
        new JobRequest(
            id,
            jobName,
            params,
            tenant,
            null,
            1,
            maxAttempts,
            timeout,
            Trigger.manual(),
            requestedAt != null ? requestedAt : clock.instant(),
            Access.caller(sc).name(),
            null,
            backoff,
            backoffCap);
    requests.sendAndWait(run);
    accepted.accepted(run);
    return accepted(run.runId().value(), jobName, RunRecord.queued(run, null)).build();
  }

  /** The lock of each Idempotency-Key's run id a request is being answered for. */
  private final KeyLocks inFlight = new KeyLocks();

  /** 202 naming the run, as it stands now, and where to follow it. */
  private static Response.ResponseBuilder accepted(String runId, String jobName, RunRecord run) {
    return accepted(runId, jobName, run.status(), run.requestedAt());
  }

  private static Response.ResponseBuilder accepted(
      String runId, String jobName, RunStatus status, Instant requestedAt) {
    return Response.accepted(
            new Accepted(
                runId,
                jobName,
                status.wire(),
                "/jobs/runs/" + runId,
                requestedAt == null ? null : requestedAt.toString()))
        .location(URI.create("/jobs/runs/" + runId));
  }

  /** How long a request waits for another of its Idempotency-Key to be answered: then 409. */
  static final Duration KEY_WAIT = Duration.ofSeconds(2);

  /** Set on the answer to a run-now whose idempotency key named a run requested before. */
  static final String REPLAYED = "Idempotent-Replayed";

  /** The header that makes a run-now request safe to retry: the same key names the same run. */
  static final String IDEMPOTENCY_KEY = "Idempotency-Key";

  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  static String checkKey(String key) {
    if (!KEY.matcher(key).matches()) {
      throw new ApiException(
          400,
          "Invalid idempotency key",
          "the Idempotency-Key header must be 1-128 of " + "A-Za-z0-9._:-",
          IDEMPOTENCY_KEY,
          null);
    }
    return key;
  }

  /** The fields {@code POST /jobs/run/{job_name}} takes. */
  static final Set<String> FIELDS =
      Set.of(
          "tenant_id",
          "params",
          "timeout_seconds",
          "max_attempts",
          "retry_backoff_seconds",
          "retry_backoff_cap_seconds");

  private JobDescriptor job(String name) {
    return catalogue
        .find(name)
        .orElseThrow(
            () ->
                new ApiException(
                    404,
                    "Unknown job",
                    "no job named '" + name + "' is registered; GET /jobs lists the catalogue",
                    "job_name",
                    null));
  }
}
