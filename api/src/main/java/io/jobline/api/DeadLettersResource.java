package io.jobline.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.jobline.api.auth.Access;
import io.jobline.api.auth.Role;
import io.jobline.job.JobDescriptor;
import io.jobline.job.ParamsValidator;
import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.store.CatalogueStore;
import io.jobline.store.ChainRunStore;
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
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dead-letter topics as history keeps them ({@code job_dead_letters}): list, read, and redrive
 * a request record — as it was or corrected — as a run that goes on to the end like any other.
 */
@Path("/jobs/dead-letters")
@Produces(MediaType.APPLICATION_JSON)
public final class DeadLettersResource {
  private static final Logger LOG = LoggerFactory.getLogger(DeadLettersResource.class);

  /**
   * The shortest time history keeps a run ({@code JOBS_CLEANUP_DAYS} is at least 1): a dead
   * letter's run not in history this long after the letter was written was removed, not yet to
   * come.
   */
  static final Duration SHORTEST_RUN_RETENTION = Duration.ofDays(1);

  private static final Set<String> TOPICS =
      Set.of(Topics.REQUESTS_DLQ.name(), Topics.HISTORY_DLQ.name());

  /** What redriving needs: the stores, the topics, the catalogue, the audit trail and a clock. */
  public record Deps(
      DeadLetterStore letters,
      RunStore runs,
      CatalogueStore catalogue,
      RequestProducer requests,
      EventProducer events,
      Auditor auditor,
      AcceptedRuns accepted,
      ChainRunStore chainRuns,
      Clock clock) {}

  private final Deps deps;
  private final ParamsValidator validator = new ParamsValidator();

  public DeadLettersResource(Deps deps) {
    this.deps = deps;
  }

  /** A page of dead letters; {@code next_cursor} is null on the last. */
  @JsonNaming(SnakeCaseStrategy.class)
  record DeadLetterPage(List<DeadLetterView> deadLetters, String nextCursor) {}

  /** The answer to a redrive: the dead letter, the run it goes on as, and where to follow it. */
  @JsonNaming(SnakeCaseStrategy.class)
  record Redriven(
      String deadLetterId, String runId, int attempt, String status, String statusUrl) {}

  /** Dead letters, newest first, filtered; follow {@code next_cursor} for the next page. */
  @GET
  @RolesAllowed(Role.VIEWER_NAME)
  public DeadLetterPage list(
      @Context SecurityContext sc,
      @QueryParam("tenant") String asked,
      @QueryParam("job") String job,
      @QueryParam("topic") String topic,
      @QueryParam("redriven") String redrivenAsked,
      @QueryParam("cursor") String cursor,
      @QueryParam("limit") Integer limit) {
    int size = RunsResource.pageSize(limit, RunsResource.DEFAULT_PAGE);
    Boolean redriven = Bodies.flag("redriven", redrivenAsked);
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
    if (asked != null && !asked.equals(tenant)) {
      return new DeadLetterPage(List.of(), null);
    }
    List<DeadLetter> page =
        deps.letters().list(new DeadLetterStore.Query(tenant, job, topic, redriven, after, size));
    DeadLetter last = page.isEmpty() ? null : page.get(page.size() - 1);
    return new DeadLetterPage(
        page.stream().map(DeadLetterView::of).toList(),
        page.size() < size || last == null
            ? null
            : new PageCursor(last.time(), last.id()).encode());
  }

  /** One dead letter. */
  @GET
  @Path("/{id}")
  @RolesAllowed(Role.VIEWER_NAME)
  public DeadLetterView show(@PathParam("id") String id, @Context SecurityContext sc) {
    return DeadLetterView.of(find(id, sc));
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
    WireLimits.idTooLong("record.run_id", letter.runId())
        .ifPresent(
            v -> {
              // no run can be stored under it: the redrive waited for its run in history for good
              // (found by review)
              throw new ApiException(
                  409,
                  "Cannot be redriven",
                  "the run id this dead letter names "
                      + v.reason()
                      + ", so no run of it can be kept; submit the work as a new run",
                  "record.run_id",
                  null);
            });
    boolean corrected = body != null && !body.isBlank();
    JobRequest given = corrected ? RedriveRecord.corrected(body) : RedriveRecord.original(letter);
    if (given.jobName() == null || given.jobName().isBlank()) {
      throw RedriveRecord.problem(corrected, "record.job_name", "the record has no job_name");
    }
    Optional<WireLimits.Violation> bad = given.violation();
    if (bad.isPresent()) {
      throw RedriveRecord.problem(
          corrected,
          "record." + bad.get().path().split("[.\\[]")[0],
          "the record cannot be carried: " + bad.get());
    }
    JobDescriptor job =
        deps.catalogue()
            .find(given.jobName())
            .orElseThrow(
                () ->
                    RedriveRecord.problem(
                        corrected,
                        "record.job_name",
                        "job '"
                            + given.jobName()
                            + "' is not in the catalogue: no executor could run it"));
    Access.mayRun(sc, job);
    Names.tenantProblem(given.tenantId())
        .ifPresent(
            p -> {
              throw RedriveRecord.problem(corrected, "record.tenant_id", "tenant_id " + p);
            });
    if (given.scope() != null && Access.caller(sc).tenant() != null) {
      throw RedriveRecord.problem(
          corrected,
          "record.scope",
          "a token bound to a tenant cannot set a run's scope; leave it out (the job's own applies)");
    }
    String tenant = Access.tenantFor(sc, given.tenantId());
    job.childWithoutTenant(given.parentRunId(), tenant)
        .ifPresent(
            why -> {
              throw RedriveRecord.problem(corrected, "record.parent_run_id", why);
            });
    JsonNode params =
        given.params() == null || given.params().isNull() ? Json.object() : given.params();
    if (!params.isObject()) {
      // (as a run-now's params must be: found by review, a job without a schema was given a
      // string, a number or an array)
      throw RedriveRecord.problem(corrected, "record.params", "params must be a JSON object");
    }
    if (Bodies.paramsBytes(params) > Bodies.MAX_PARAMS_BYTES) {
      throw RedriveRecord.problem(
          corrected,
          "record.params",
          "the params are larger than "
              + Bodies.MAX_PARAMS_BYTES
              + " bytes, as a run-now may send; pass a reference to large inputs instead");
    }
    if (Secrets.holdsRedacted(params)) {
      throw RedriveRecord.problem(
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
    // the run the dead letter stands for, never another: a corrected record naming some other
    // run id took over a run nobody had started yet (a schedule's next fire, another tenant's),
    // whose real outcome history then ignored (found by review)
    RunId own;
    if (letter.runId() != null && !letter.runId().isBlank()) {
      // (a letter recorded before blank run ids were read as none holds one: found by review, its
      // redrive answered 500)
      own = RunId.of(letter.runId());
    } else if (!corrected && given.runId() != null) {
      own = given.runId(); // (the record as it was names it)
    } else {
      own = RedriveRecord.runId(letter);
    }
    if (given.runId() != null && !given.runId().equals(own)) {
      throw RedriveRecord.problem(
          corrected,
          "record.run_id",
          "a redrive runs as the dead letter's run ("
              + own.value()
              + "); leave run_id out or give that one");
    }
    RunId runId = own;
    Optional<RunRecord> run = deps.runs().find(runId.value());
    if (run.isPresent() && !Access.caller(sc).sees(run.get().tenantId())) {
      throw new ApiException(
          403,
          "Forbidden",
          "run '" + runId.value() + "' belongs to another tenant",
          "record.run_id",
          null);
    }
    // retrying with no time for its next attempt: a retry or redrive asked for by hand whose
    // request Kafka did not take after its announcement did (answered 5xx). Refused, the run read
    // retrying for good and the letter could never be redriven (found by review); asked again, the
    // same attempt is sent (its reservation refuses it while one that was sent is on its way)
    boolean askedBefore =
        run.isPresent()
            && run.get().status() == RunStatus.RETRYING
            && PendingRetry.shown(run.get()).isEmpty();
    if (run.isPresent()
        && !askedBefore
        && (run.get().status() == null
            || !run.get().status().isTerminal()
            || run.get().retryDueAt().isPresent())) {
      throw new ApiException(
          409,
          "Cannot be redriven",
          "run '"
              + runId.value()
              + "' is "
              + (run.get().status() == null ? "unknown" : run.get().status().wire())
              + (run.get().retryDueAt().isPresent() ? " with a retry to come" : "")
              + "; redrive it once it has ended",
          "record.run_id",
          null);
    }
    if (run.isPresent()) {
      RunAgain.notAStepTheChainRetries(deps.chainRuns(), run.get(), "record.run_id");
    }
    // a run that completed (a retry by hand ran it since), or a fire recorded missed, is not run
    // again: history folds no new attempt onto either, so it would run unseen (found by review)
    if (run.isPresent()
        && !askedBefore
        && run.get().status() != RunStatus.FAILED
        && run.get().status() != RunStatus.TIMED_OUT
        && run.get().status() != RunStatus.CANCELLED) {
      throw new ApiException(
          409,
          "Cannot be redriven",
          "run '"
              + runId.value()
              + "' is "
              + run.get().status().wire()
              + "; only a failed, timed-out or cancelled run is run again (submit a new run)",
          "record.run_id",
          null);
    }
    if (run.isEmpty()
        && runId.value().equals(letter.runId())
        && !DeadLetter.RUN_NONE.equals(letter.runOutcome())) {
      // one it ended no run for (a record naming no job) history never shows, so waiting for it
      // answered "try again in a moment" for good (found by review)
      if (removedSince(letter, deps.clock().instant())) {
        // the cleanup removed the run: sent as its attempt 1, history's state of it (kept longer
        // than the store's copy) took the new attempt for a stale one, and it ran unseen (review)
        throw new ApiException(
            409,
            "Cannot be redriven",
            "run '"
                + runId.value()
                + "' that this record named is no longer in the history (its retention removed"
                + " it); run its job again as a new run",
            "record.run_id",
            null);
      }
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
    String by = RunsResource.byHand(Access.caller(sc).name());
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
    RunAgain.carriable(request, runId.value());
    RunAgain.reserved(
        deps.letters(),
        runId.value(),
        attempt,
        now,
        "record.run_id",
        () -> {
          if (run.isPresent()) {
            RunAgain.send(deps.events(), deps.requests(), run.get(), request, by, now);
            // (read before history shows the new attempt, the run read ended: a cancel was
            // refused as too late, as after a retry by hand it is not)
            deps.accepted().retried(run.get(), attempt);
          } else {
            deps.requests().sendAndWait(request);
            deps.accepted().accepted(request);
          }
        });
    try {
      deps.letters()
          .redriven(id, new DeadLetter.Redrive(now, by, runId.value(), attempt, corrected));
    } catch (RuntimeException e) {
      // the run is sent by now: a 503 saying nothing changed would be untrue (found by review);
      // the attempt's reservation refuses a second redrive of it all the same
      LOG.warn(
          "Dead letter {} was redriven as run {} attempt {}, but could not be marked so: {}",
          id,
          runId.value(),
          attempt,
          e.toString());
    }
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
    return Response.accepted(
            new Redriven(id, runId.value(), attempt, "queued", "/jobs/runs/" + runId.value()))
        .build();
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
   * Whether history has had its retention's time to show the run of {@code letter} since it was
   * written: a run missing then was removed by the cleanup, not yet to come.
   */
  private static boolean removedSince(DeadLetter letter, Instant now) {
    return letter.time() != null && letter.time().isBefore(now.minus(SHORTEST_RUN_RETENTION));
  }
}
