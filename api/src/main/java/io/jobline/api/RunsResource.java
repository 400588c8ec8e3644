package io.jobline.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonInclude.Include;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.jobline.api.auth.Access;
import io.jobline.api.auth.Role;
import io.jobline.job.JobDescriptor;
import io.jobline.job.ParamsValidator;
import io.jobline.run.RunOptions;
import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.store.CatalogueStore;
import io.jobline.store.ChainRunStore;
import io.jobline.store.DeadLetterStore;
import io.jobline.store.DeadLetterStore.Reservation;
import io.jobline.store.RunLogStore;
import io.jobline.store.RunStore;
import io.jobline.topic.ControlProducer;
import io.jobline.topic.DeadLetter;
import io.jobline.topic.EventProducer;
import io.jobline.topic.RequestProducer;
import io.jobline.wire.Control;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import io.jobline.wire.Scope;
import io.jobline.wire.Secrets;
import io.jobline.wire.Trigger;
import io.jobline.wire.TriggerType;
import jakarta.annotation.security.RolesAllowed;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.Suspended;
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

/** Run status. */
@Path("/jobs/runs")
@Produces(MediaType.APPLICATION_JSON)
public final class RunsResource {
  static final int DEFAULT_PAGE = 50;
  static final int MAX_PAGE = 500;
  private final RunStore runs;
  private final RunLogStore logStore;
  private final ControlProducer control;
  private final RequestProducer requests;
  private final EventProducer events;
  private final Clock clock;
  private final CatalogueStore catalogue;
  private final ParamsValidator validator = new ParamsValidator();

  private final RunStreams streams;
  private final Auditor auditor;
  private final AcceptedRuns accepted;

  private final DeadLetterStore letters;
  private final ChainRunStore chainRuns;

  public RunsResource(
      RunStore runs,
      RunLogStore logStore,
      ControlProducer control,
      RequestProducer requests,
      EventProducer events,
      CatalogueStore catalogue,
      RunStreams streams,
      Auditor auditor,
      AcceptedRuns accepted,
      DeadLetterStore letters,
      ChainRunStore chainRuns,
      Clock clock) {
    this.accepted = accepted;
    this.letters = letters;
    this.chainRuns = chainRuns;
    this.auditor = auditor;
    this.streams = streams;
    this.catalogue = catalogue;
    this.runs = runs;
    this.logStore = logStore;
    this.control = control;
    this.requests = requests;
    this.events = events;
    this.clock = clock;
  }

  /** A page of runs; {@code next_cursor} is null on the last. */
  @JsonNaming(SnakeCaseStrategy.class)
  record RunPage(List<RunSummary> runs, String nextCursor) {}

  /** A page of a run's log lines; {@code next_offset} is null on the last. */
  @JsonNaming(SnakeCaseStrategy.class)
  record LogPage(
      String runId,
      long total,
      boolean truncated,
      List<Map<String, Object>> logs,
      Integer nextOffset) {}

  /** A run asked to go on as a new attempt, or to stop. */
  @JsonInclude(Include.NON_NULL)
  @JsonNaming(SnakeCaseStrategy.class)
  record RunAsked(String runId, Integer attempt, String status) {}

  /** Runs, newest first, filtered; follow {@code next_cursor} for the next page. */
  @GET
  @RolesAllowed(Role.VIEWER_NAME)
  public RunPage list(
      @Context SecurityContext sc,
      @QueryParam("job") String job,
      @QueryParam("tenant") String asked,
      @QueryParam("status") String status,
      @QueryParam("schedule") String schedule,
      @QueryParam("parent_run") String parentRun,
      @QueryParam("from") String from,
      @QueryParam("to") String to,
      @QueryParam("sort") String sort,
      @QueryParam("cursor") String cursor,
      @QueryParam("limit") Integer limit,
      @QueryParam("chain_run") String chainRun) {
    int size = pageSize(limit, DEFAULT_PAGE);
    String tenant = Access.tenantFilter(sc, asked);
    if (asked != null && !asked.equals(tenant)) {
      return new RunPage(List.of(), null);
    }
    boolean ascending = sort != null && sort.equals("requested_at");
    if (sort != null && !sort.equals("requested_at") && !sort.equals("-requested_at")) {
      throw ApiException.badRequest(
          "sort", "sort must be requested_at or -requested_at (newest first, the default)");
    }
    RunStatus st = null;
    if (status != null) {
      try {
        st = RunStatus.fromWire(status);
      } catch (IllegalArgumentException e) {
        throw ApiException.badRequest("status", "unknown status '" + status + "'");
      }
    }
    RunStore.Cursor after = null;
    if (cursor != null) {
      try {
        after = RunStore.Cursor.decode(cursor);
      } catch (IllegalArgumentException e) {
        throw ApiException.badRequest("cursor", "not a cursor returned by this API");
      }
    }
    List<RunRecord> page =
        runs.list(
            new RunStore.RunQuery(
                    job,
                    tenant,
                    st,
                    schedule,
                    parentRun,
                    instant("from", from),
                    instant("to", to),
                    ascending,
                    after,
                    size)
                .inChainRun(chainRun));
    RunRecord last = page.isEmpty() ? null : page.get(page.size() - 1);
    return new RunPage(
        // (a run retried here a moment ago reads retrying, as its own GET has it)
        page.stream().map(accepted::fresher).map(RunSummary::of).toList(),
        page.size() < size || last == null
            ? null
            : new RunStore.Cursor(last.requestedAt(), last.runId().value()).encode());
  }

  /** The run's log lines, in pages. */
  @GET
  @Path("/{run_id}/logs")
  @RolesAllowed(Role.VIEWER_NAME)
  public LogPage logs(
      @PathParam("run_id") String runId,
      @QueryParam("offset") Integer offset,
      @QueryParam("limit") Integer limit,
      @Context SecurityContext sc) {
    RunRecord run = find(runId, sc);
    int from = offset == null ? 0 : offset;
    int size = pageSize(limit, 100);
    if (from < 0) {
      throw ApiException.badRequest("offset", "offset must be 0 or more");
    }
    long total = logStore.count(runId);
    return new LogPage(
        runId,
        total,
        run.logsTruncated(),
        logStore.page(runId, from, size).stream()
            .map(
                l -> {
                  Map<String, Object> line =
                      new LinkedHashMap<>(Json.mapper().convertValue(l.entry(), Map.class));
                  if (l.marker()) {
                    line.put("truncation_marker", true);
                  }
                  return line;
                })
            .toList(),
        (long) from + size < total ? Integer.valueOf(from + size) : null); // (no int overflow)
  }

  /**
   * Who a retry asked for by hand says asked for it: the caller, never the name the retry timer's
   * requests carry (an executor takes those for automatic retries, which a cancel stops).
   */
  static String byHand(String caller) {
    return JobRequest.RETRY_TIMER.equals(caller) ? caller + " (by hand)" : caller;
  }

  /** A new attempt of a run that failed, timed out or was cancelled. 202. */
  @POST
  @Path("/{run_id}/retry")
  @RolesAllowed(Role.OPERATOR_NAME)
  public Response retry(@PathParam("run_id") String runId, @Context SecurityContext sc) {
    RunRecord run = find(runId, sc);
    RunAgain.notAStepTheChainRetries(chainRuns, run, "run_id");
    Optional<PendingRetry.NextAttempt> due = PendingRetry.of(run);
    if (due.isPresent()) {
      throw new ApiException(
          409,
          "Run cannot be retried",
          "run '"
              + runId
              + "' is retried already: its attempt "
              + due.get().attempt()
              + " is due at "
              + due.get().dueAt(),
          "run_id",
          null);
    }
    // retrying with no time for its next attempt: a retry asked for by hand whose request Kafka
    // did not take after its announcement did (the api answered 503); asked again, the same next
    // attempt is sent (an executor runs an attempt once), else the run reads retrying for good
    boolean askedBefore = run.status() == RunStatus.RETRYING && PendingRetry.shown(run).isEmpty();
    int attempt = Math.max(1, run.attempt()) + 1;
    // a redrive asked for that attempt already (history may not show it yet): its request, a
    // corrected record, is on its way, and sending the run's old params as the same attempt would
    // run it twice, or with them (found by review)
    Optional<DeadLetter> redriven = letters.redrivenAs(runId, attempt);
    if (redriven.isPresent()) {
      throw new ApiException(
          409,
          "Run cannot be retried",
          "attempt "
              + attempt
              + " of run '"
              + runId
              + "' was asked for by the redrive of "
              + (Access.caller(sc).sees(redriven.get().tenantId())
                  ? "dead letter '" + redriven.get().id() + "'"
                  : "a dead letter")
              + "; it runs with that record",
          "run_id",
          null);
    }
    if (!askedBefore
        && run.status() != RunStatus.FAILED
        && run.status() != RunStatus.TIMED_OUT
        && run.status() != RunStatus.CANCELLED) {
      throw new ApiException(
          409,
          "Run cannot be retried",
          "run '"
              + runId
              + "' is "
              + (run.status() == null ? "unknown" : run.status().wire())
              + "; only failed, timed-out or cancelled runs are retried",
          "run_id",
          null);
    }
    if (run.setAside()) {
      // (found by review: its params are not kept, so the retry ran with none; and one still
      // running when it was set aside reads failed, so the retry ran beside it)
      throw new ApiException(
          409,
          "Run cannot be retried",
          "run '"
              + runId
              + "' could not be stored by history, which keeps it stripped of its params (its"
              + " record is on jobline.history.dlq); submit it again",
          "run_id",
          null);
    }
    // a 202 is a promise: what no executor could run is refused here, with the reason
    JobDescriptor job =
        catalogue
            .find(run.jobName())
            .orElseThrow(
                () ->
                    new ApiException(
                        409,
                        "Run cannot be retried",
                        "job '"
                            + run.jobName()
                            + "' is not in the catalogue: no executor could run it",
                        "run_id",
                        null));
    JsonNode params = run.params() == null ? Json.object() : run.params();
    if (Secrets.holdsRedacted(params)) {
      throw new ApiException(
          409,
          "Run cannot be retried",
          "the params of run '"
              + runId
              + "' held a secret, which"
              + " Jobline does not keep; submit the run again with its params (or pass the secret as env:NAME)",
          "params",
          null);
    }
    List<String> violations = validator.violations(job, params);
    if (!violations.isEmpty()) {
      throw new ApiException(
          409,
          "Run cannot be retried",
          "the params of run '"
              + runId
              + "' no longer match the schema of job '"
              + run.jobName()
              + "'",
          "run_id",
          violations);
    }
    // the attempt runs as the run's request asked (its tenants, timeout and backoff), not with the
    // job's defaults; it is the last (max_attempts is its number)
    RunOptions asked =
        run.options() == null ? new RunOptions(null, null, null, null) : run.options();
    Access.mayRun(sc, job);
    if (asked.scope() != null
        && asked.scope() != Scope.TENANT
        && Access.caller(sc).tenant() != null) {
      // (a scope only a token bound to no tenant may set: found by review)
      throw new ApiException(
          403,
          "Forbidden",
          "run '"
              + runId
              + "' acts with scope "
              + Json.mapper().convertValue(asked.scope(), String.class)
              + ", which a token bound to a tenant cannot set; retry it with a token bound to none",
          "run_id",
          null);
    }
    JobRequest request =
        new JobRequest(
            RunId.of(runId),
            run.jobName(),
            run.params(),
            run.tenantId(),
            asked.scope(),
            attempt,
            attempt,
            asked.timeoutSeconds(),
            new Trigger(TriggerType.RETRY, null, null, null, null),
            clock.instant(),
            byHand(Access.caller(sc).name()),
            run.parentRunId(),
            asked.retryBackoffSeconds(),
            asked.retryBackoffCapSeconds());
    RunAgain.carriable(request, runId);
    job.childWithoutTenant(run.parentRunId(), run.tenantId())
        .ifPresent(
            why -> {
              throw new ApiException(
                  409, "Run cannot be retried", "run '" + runId + "': " + why, "run_id", null);
            });
    Instant now = clock.instant();
    RunAgain.reserved(
        letters,
        runId,
        attempt,
        now,
        "run_id",
        () -> RunAgain.send(events, requests, run, request, Access.caller(sc).name(), now));
    accepted.retried(run, attempt);
    auditor.record(
        sc, "retry", "run", runId, run.tenantId(), Json.object().put("attempt", attempt));
    return Response.accepted(new RunAsked(runId, attempt, "queued")).build();
  }

  /**
   * Server-sent events with the run's progress and log lines as they happen, ending when the run
   * ends: {@code event: status|log|progress|end}, {@code data:} a JSON object, {@code id:} where
   * the stream stands after the event (send it back as {@code Last-Event-ID} to resume without
   * repeats); a {@code : heartbeat} comment every 15 s while nothing happens. A client that resumes
   * from the end of a run that ended gets 204: nothing more will come.
   */
  @GET
  @Path("/{run_id}/stream")
  @Produces("text/event-stream")
  @RolesAllowed(Role.VIEWER_NAME)
  public void stream(
      @PathParam("run_id") String runId,
      @HeaderParam("Last-Event-ID") String lastEventId,
      @Context SecurityContext sc,
      @Context HttpServletRequest request,
      @Suspended AsyncResponse suspended) {
    // suspended: the container keeps the response open, and RunStreams writes it without blocking;
    // a problem thrown here still goes out as the response
    Optional<RunRecord> known;
    try {
      known =
          runs.find(runId)
              .map(accepted::fresher)
              .or(() -> accepted.queued(runId, Access.caller(sc).limitKey()));
    } catch (ApiException unsure) {
      if (unsure.status() != 503 && unsure.status() != 429) {
        throw unsure;
      }
      known = Optional.empty(); // (the stream waits for the run as for any run not known yet)
    }
    known.ifPresent(r -> Access.mustSee(sc, r.tenantId(), () -> notFound(runId)));
    StreamPosition from = StreamPosition.parse(lastEventId);
    if (known.isPresent()) {
      from = from.within(known.get());
      if (from.pastTheEndOf(known.get())) {
        // 204 tells an EventSource to stop reconnecting; a 200 that only sent the end again had it
        // reconnect every 2 s for ever
        suspended.resume(Response.noContent().build());
        return;
      }
    }
    streams.open(runId, Access.caller(sc), from, request, known.isPresent());
  }

  private static Instant instant(String field, String text) {
    return Bodies.instant(field, text);
  }

  static int pageSize(Integer limit, int fallback) {
    int size = limit == null ? fallback : limit;
    if (size < 1 || size > MAX_PAGE) {
      throw ApiException.badRequest("limit", "limit must be between 1 and " + MAX_PAGE);
    }
    return size;
  }

  /** Asks the run to stop: a queued run never starts, a running one is asked to stop. 202. */
  @POST
  @Path("/{run_id}/cancel")
  @RolesAllowed(Role.OPERATOR_NAME)
  public Response cancel(@PathParam("run_id") String runId, @Context SecurityContext sc) {
    RunRecord run = find(runId, sc);
    // an attempt that failed with a retry to come reads failed: the run waits for its next attempt
    boolean retryDue = PendingRetry.of(run).isPresent();
    if (run.status() != null && run.status().isTerminal() && !retryDue) {
      throw new ApiException(
          409,
          "Run already ended",
          "run '" + runId + "' already ended " + run.status().wire() + "; nothing to cancel",
          "run_id",
          null);
    }
    // a run waiting for its next attempt is cancelled with that attempt; a later retry is not
    int attempt =
        run.status() == RunStatus.RETRYING || retryDue
            ? run.attempt() + 1
            : Math.max(1, run.attempt());
    // retrying by a retry asked for by hand whose request is not known to be on its way: one
    // Kafka did not take (the retry answered 503) is read by no executor, so none would end the
    // attempt the cancel names, and the run read retrying for good (found by review); ended here
    // as cancelled, an executor that does read such a request holds the cancel too
    boolean mayBeUnsent =
        run.status() == RunStatus.RETRYING
            && PendingRetry.shown(run).isEmpty()
            && !letters.reservation(runId, attempt).map(Reservation::sent).orElse(false);
    String by = Access.caller(sc).name();
    control.sendAndWait(Control.cancel(RunId.of(runId), attempt, clock.instant(), by));
    if (mayBeUnsent) {
      events.sendAndWait(
          new RunEvent(
              RunId.of(runId),
              1,
              EventType.CANCELLED,
              clock.instant(),
              "api",
              attempt,
              0,
              Json.object()
                  .put("error", "cancelled by " + by + " before it started")
                  .put("job_name", run.jobName())
                  .put("tenant_id", run.tenantId())));
    }
    auditor.record(
        sc, "cancel", "run", runId, run.tenantId(), Json.object().put("attempt", attempt));
    return Response.accepted(new RunAsked(runId, null, "cancelling")).build();
  }

  private RunRecord find(String runId, SecurityContext sc) {
    // a run this process accepted a moment ago that history has not written yet (it holds a run
    // back until it starts, for up to history.holdQueued) reads queued
    RunRecord run =
        runs.find(runId)
            .map(accepted::fresher)
            .or(() -> accepted.queued(runId, Access.caller(sc).limitKey()))
            .orElseThrow(() -> notFound(runId));
    Access.mustSee(sc, run.tenantId(), () -> notFound(runId));
    return run;
  }

  private static ApiException notFound(String runId) {
    return ApiException.notFound(
        "no run '" + runId + "' (a run just submitted appears within a moment)");
  }

  /**
   * The run in the seed's JobResult shape, plus tenant, attempt, progress and trigger; and, while
   * an attempt that failed or timed out has a retry to come, {@code next_attempt} (its number and
   * when it is due): the run is not over.
   */
  @GET
  @Path("/{run_id}")
  @RolesAllowed(Role.VIEWER_NAME)
  public Map<String, Object> show(@PathParam("run_id") String runId, @Context SecurityContext sc) {
    RunRecord run = find(runId, sc);
    Map<String, Object> view =
        new LinkedHashMap<>(Json.mapper().convertValue(run.toJobResult(), Map.class));
    view.put("tenant_id", run.tenantId());
    view.put("attempt", run.attempt());
    view.put("requested_at", run.requestedAt());
    view.put("progress", run.progress());
    view.put("progress_message", run.progressMessage());
    view.put("trigger", run.trigger());
    view.put("params", Secrets.redact(run.params()));
    view.put("logs_truncated", run.logsTruncated());
    view.put("attempts", run.attempts());
    view.put("executor_id", run.executorId());
    view.put("parent_run_id", run.parentRunId());
    PendingRetry.shown(run).ifPresent(next -> view.put("next_attempt", next));
    return view;
  }
}
