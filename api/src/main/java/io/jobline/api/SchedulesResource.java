package io.jobline.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.api.auth.Access;
import io.jobline.api.auth.Caller;
import io.jobline.api.auth.Role;
import io.jobline.chain.Chain;
import io.jobline.chain.ChainLauncher;
import io.jobline.cron.CronException;
import io.jobline.cron.CronSchedule;
import io.jobline.job.JobDescriptor;
import io.jobline.job.ParamsValidator;
import io.jobline.run.RunStatus;
import io.jobline.schedule.FiringPlan;
import io.jobline.schedule.Schedule;
import io.jobline.schedule.ScheduleFiring;
import io.jobline.schedule.ScheduleOutput;
import io.jobline.schedule.TriggerKind;
import io.jobline.schedule.Triggers;
import io.jobline.store.CatalogueStore;
import io.jobline.store.RunStore;
import io.jobline.store.ScheduleStore;
import io.jobline.topic.EventProducer;
import io.jobline.topic.RequestProducer;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.WireLimits;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
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
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/** Schedules (seed paths): create, read, change, pause, resume, trigger, delete, check now. */
@Path("/jobs/schedules")
@Produces(MediaType.APPLICATION_JSON)
public final class SchedulesResource {
  private static final String EXAMPLE =
      "{\"job_name\":\"nightly-settlement\",\"job_type\":\"settlement\",\"cron_expression\":\"0 2 * * *\"}";
  private static final ParamsValidator VALIDATOR = new ParamsValidator();
  private static final Set<String> READ_ONLY =
      Set.of(
          "last_run_at",
          "last_run_status",
          "last_run_id",
          "last_fire_through",
          "next_run_at",
          "version");

  /**
   * The fields a schedule is created with; PATCH also names the ones the scheduler keeps, to refuse
   * them.
   */
  static final Set<String> FIELDS =
      Bodies.fieldsOf(Schedule.class, READ_ONLY.toArray(String[]::new));

  private static final Set<String> PATCH_FIELDS = Bodies.fieldsOf(Schedule.class);
  private static final Set<String> WHOLE_NUMBERS = Bodies.wholeNumberFieldsOf(Schedule.class);
  private static final Set<String> TRIGGER_FIELDS =
      Set.of(
          "cron_expression",
          "timezone",
          "trigger_type",
          "interval_seconds",
          "run_at",
          "is_enabled",
          "paused");

  /** What the resource needs from the rest of the system. */
  public record Deps(
      ScheduleStore schedules,
      CatalogueStore catalogue,
      RunStore runs,
      RequestProducer requests,
      EventProducer events,
      Clock clock,
      Runnable changed,
      ChainLauncher chains,
      Auditor auditor,
      AcceptedRuns accepted) {

    /**
     * Sends a schedule's request, or starts the chain run it stands for; the chain run id if so.
     */
    String fire(Schedule s, JobRequest request) {
      if (chains.launchIfChain(s, request)) {
        return request.runId().value();
      }
      requests.sendAndWait(request);
      accepted.accepted(request);
      return null;
    }
  }

  private final Deps d;

  public SchedulesResource(Deps deps) {
    this.d = deps;
  }

  /** Creates or replaces a schedule; it takes effect without a restart. */
  @POST
  @Consumes({MediaType.APPLICATION_JSON, MediaType.WILDCARD})
  @RolesAllowed(Role.ADMIN_NAME)
  public Response create(String body, @Context SecurityContext sc) {
    ObjectNode json = Bodies.object(body, EXAMPLE, FIELDS);
    Bodies.whole(json, WHOLE_NUMBERS);
    maxAttemptsWithinBound(json);
    Bodies.optionalTenant(json);
    Schedule given = parse(json);
    String tenant = Access.tenantFor(sc, given.tenantId());
    if (tenant != null) {
      given = given.merge(Json.object().put("tenant_id", tenant));
    }
    if (given.jobName() == null || given.jobName().isBlank()) {
      throw ApiException.badRequest("job_name", "job_name (the schedule's name) is required");
    }
    Bodies.checkName("job_name", given.jobName());
    String name = given.jobName();
    Optional<Schedule> read = d.schedules().find(name);
    boolean existed =
        read.map(
                stored -> {
                  // (a token bound to a tenant replaces only its tenant's schedules, as it
                  // patches and deletes only those)
                  Access.mustSee(
                      sc,
                      stored.tenantId(),
                      () ->
                          new ApiException(
                              409,
                              "Conflict",
                              "the schedule name '"
                                  + name
                                  + "' is taken by a schedule this token cannot replace;"
                                  + " choose another",
                              "job_name",
                              null));
                  return true;
                })
            .orElse(false);
    Instant now = d.clock().instant();
    Schedule s =
        given.merge(
            Json.object()
                .put("job_type", given.target())
                .put("is_enabled", given.isEnabled() == null || given.isEnabled())
                .put("timezone", CronSchedule.zone(safeZone(given)).getId()));
    if (s.parameters() == null) {
      s = s.merge(Json.object().set("parameters", Json.object()));
    }
    if (s.kind() == TriggerKind.INTERVAL && s.runAt() == null) {
      s = s.merge(Json.object().put("run_at", now.truncatedTo(ChronoUnit.SECONDS).toString()));
    } else if (s.runAt() != null) {
      // stored with millisecond precision, so run ids derived from it stay the same after a reload
      s = s.merge(Json.object().put("run_at", s.runAt().truncatedTo(ChronoUnit.MILLIS).toString()));
    }
    givenJitter(s.jitterSeconds());
    if (existed) {
      // replaced as a change of its whole definition: a fire due or held back (jitter, overlap
      // queue, catch-up) stays due and the last run stays its last, unless the trigger changed;
      // stored whole, an unchanged schedule sent again by a deploy moved its next fire past the
      // one due, which was never sent nor recorded missed (found by review)
      Schedule replacement = s;
      Kept kept =
          new Kept(
              given.runAt() != null,
              json.has("tenant_id"),
              json.has("paused"),
              json.has("is_enabled"));
      Schedule replaced =
          change(name, sc, current -> replacing(current, replacement, kept, now, sc));
      d.auditor().record(sc, "replace", "schedule", name, replaced.tenantId(), null);
      return Response.created(URI.create("/jobs/schedules/" + name))
          .entity(view(replaced, now))
          .build();
    }
    noOverridesOfAChain(null, s);
    Schedule saved = validateAndPlan(s, now, sc);
    firesAtAll(saved);
    if (!d.schedules().saveIf(saved, null)) {
      // (another request created it since it was read: stored, this one would replace that,
      // another tenant's schedule perhaps; found by review)
      throw new ApiException(
          409,
          "Conflict",
          "the schedule '"
              + name
              + "' was created by another request meanwhile; read it and send this one again"
              + " if it still applies",
          "job_name",
          null);
    }
    d.changed().run();
    d.auditor().record(sc, "create", "schedule", saved.jobName(), saved.tenantId(), null);
    return Response.created(URI.create("/jobs/schedules/" + saved.jobName()))
        .entity(ScheduleViews.view(saved, now))
        .build();
  }

  /** Every schedule the caller sees; their last runs' statuses are read in one lookup. */
  @GET
  @RolesAllowed(Role.VIEWER_NAME)
  public List<ObjectNode> list(@Context SecurityContext sc) {
    Instant now = d.clock().instant();
    List<Schedule> seen =
        d.schedules().findAll().stream().filter(s -> Access.caller(sc).sees(s.tenantId())).toList();
    Map<String, RunStatus> runs = lastRuns(seen);
    return seen.stream().map(s -> ScheduleViews.view(s, now, runs)).toList();
  }

  @GET
  @Path("/{job_name}")
  @RolesAllowed(Role.VIEWER_NAME)
  public ObjectNode show(@PathParam("job_name") String name, @Context SecurityContext sc) {
    return view(find(name, sc), d.clock().instant());
  }

  /**
   * The current status of these schedules' last runs. Read when a schedule is shown rather than
   * written to it as runs end: always what history says now, at no cost on the path of a run.
   */
  private Map<String, RunStatus> lastRuns(List<Schedule> schedules) {
    Set<String> ids = ScheduleViews.lastRunIds(schedules);
    return ids.isEmpty() ? Map.of() : d.runs().statuses(ids);
  }

  private ObjectNode view(Schedule s, Instant now) {
    return ScheduleViews.view(s, now, lastRuns(List.of(s)));
  }

  /** Changes some fields; a changed trigger takes effect at the next fire. */
  @PATCH
  @Path("/{job_name}")
  @Consumes({MediaType.APPLICATION_JSON, MediaType.WILDCARD})
  @RolesAllowed(Role.ADMIN_NAME)
  public ObjectNode patch(
      @PathParam("job_name") String name, String body, @Context SecurityContext sc) {
    find(name, sc);
    ObjectNode patch = Bodies.object(body, "{\"cron_expression\":\"*/5 * * * *\"}", PATCH_FIELDS);
    Bodies.whole(patch, WHOLE_NUMBERS);
    maxAttemptsWithinBound(patch);
    if (patch.has("tenant_id")) {
      Access.tenantFor(sc, Bodies.optionalTenant(patch));
    }
    if (patch.has("job_name") && !patch.get("job_name").asText().equals(name)) {
      throw ApiException.badRequest("job_name", "a schedule cannot be renamed; create a new one");
    }
    for (String read : READ_ONLY.stream().sorted().toList()) {
      if (patch.has(read)) {
        throw ApiException.badRequest(read, read + " is kept by the scheduler and cannot be set");
      }
    }
    Instant now = d.clock().instant();
    Schedule changed =
        change(
            name,
            sc,
            current -> {
              Schedule merged;
              try {
                merged = current.merge(patch);
                if (merged.kind() == TriggerKind.INTERVAL && merged.runAt() == null) {
                  // anchored as on create: a grid of fire times, and stable run ids
                  merged =
                      merged.merge(
                          Json.object()
                              .put("run_at", now.truncatedTo(ChronoUnit.SECONDS).toString()));
                }
              } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(
                    fieldOf(e), "not a schedule change: " + e.getMessage());
              }
              if (!Objects.equals(merged.jitterSeconds(), current.jitterSeconds())) {
                givenJitter(merged.jitterSeconds()); // (as read: a number given as text too)
              }
              return planned(current, merged, now, sc);
            });
    d.auditor().record(sc, "change", "schedule", name, changed.tenantId(), patch);
    return view(changed, now);
  }

  /** A change planned from the schedule as read: what to store, and whether it is retimed. */
  private record Planned(Schedule changed, boolean retimed) {}

  /** Which of the fields a replacement may leave out it gave. */
  private record Kept(boolean anchor, boolean tenant, boolean paused, boolean enabled) {}

  /**
   * {@code current} replaced by {@code s}: retimed only when what decides the fire times changed,
   * planned then from its last fire; an interval sent without {@code run_at} keeps the anchor it
   * had, so its grid and run ids stay; a body without {@code tenant_id} keeps the tenant it had,
   * and one without {@code paused} or {@code is_enabled} keeps the schedule paused or disabled as
   * it was (found by review: a deploy sending the definition again resumed a schedule an operator
   * had paused, and it fired).
   */
  private Planned replacing(
      Schedule current, Schedule s, Kept given, Instant now, SecurityContext sc) {
    Schedule replacement = s;
    if (!given.paused() && Boolean.TRUE.equals(current.paused())) {
      replacement = replacement.merge(Json.object().put("paused", true));
    }
    if (!given.enabled() && !current.enabled()) {
      replacement = replacement.merge(Json.object().put("is_enabled", false));
    }
    if (!given.tenant() && current.tenantId() != null) {
      // (found by review: sent again by an admin bound to no tenant, a tenant's schedule lost its
      // tenant, and its fires ran for none)
      replacement = replacement.merge(Json.object().put("tenant_id", current.tenantId()));
    }
    if (!given.anchor()
        && s.kind() == TriggerKind.INTERVAL
        && current.kind() == TriggerKind.INTERVAL
        && current.runAt() != null) {
      replacement = replacement.merge(Json.object().put("run_at", current.runAt().toString()));
    }
    return planned(current, replacement, now, sc);
  }

  /**
   * {@code current} changed to {@code next}, checked: retimed from its last fire only when what
   * decides the fire times changed.
   */
  private Planned planned(Schedule current, Schedule next, Instant now, SecurityContext sc) {
    noOverridesOfAChain(current, next);
    boolean retime = retimes(current, next);
    Schedule planned = retime ? validateAndPlan(next, from(current, now), sc) : validate(next, sc);
    if (retime) {
      // (an enabled or resumed schedule too: its trigger may have no fire left, found by review)
      firesAtAll(planned);
    }
    return new Planned(planned, retime);
  }

  /**
   * Reads the schedule, plans the change from it, and stores only its definition (and, retimed, its
   * next fire time): a fire recorded since the read keeps its last run and its next time. When the
   * schedule changed since the read, or fired when the change retimes it, the change is planned
   * again from a new read, a few times, then answered 409.
   *
   * @param plan the change, or null when there is nothing to change
   * @return the schedule as stored now; 404 when it was deleted meanwhile
   */
  private Schedule change(String name, SecurityContext sc, Function<Schedule, Planned> plan) {
    for (int tries = 0; tries < 5; tries++) {
      Schedule read = find(name, sc);
      Planned planned = plan.apply(read);
      if (planned == null) {
        return read;
      }
      switch (d.schedules().change(read, planned.changed(), planned.retimed())) {
        case CHANGED -> {
          d.changed().run();
          return d.schedules().find(name).orElse(planned.changed());
        }
        case GONE -> throw ApiException.notFound("no schedule '" + name + "'");
        case MOVED -> {
          // changed or fired since the read: plan it again
        }
      }
    }
    throw new ApiException(
        409,
        "Conflict",
        "schedule '" + name + "' kept changing while this change was made; send it again",
        "job_name",
        null);
  }

  /** Whether the change touches what decides the fire times. */
  private static boolean retimes(Schedule before, Schedule after) {
    return before.enabled() != after.enabled()
        || Boolean.TRUE.equals(before.paused()) != Boolean.TRUE.equals(after.paused())
        || triggerChanged(before, after);
  }

  /** Whether the change touches the trigger itself (cron, interval, time zone, run_at). */
  private static boolean triggerChanged(Schedule before, Schedule after) {
    ObjectNode was = Json.mapper().valueToTree(before);
    ObjectNode is = Json.mapper().valueToTree(after);
    return TRIGGER_FIELDS.stream()
        .filter(f -> !f.equals("is_enabled") && !f.equals("paused"))
        .anyMatch(f -> !Objects.equals(was.get(f), is.get(f)));
  }

  /**
   * 400 when an enabled schedule's trigger gives no fire time from now on (a {@code once} whose
   * {@code run_at} has passed, a cron that never matches, such as {@code 0 0 30 2 *}): it was
   * accepted and then never fired, without a word (found by review).
   */
  private static void firesAtAll(Schedule s) {
    if (s.nextRunAt() != null || !s.enabled() || Boolean.TRUE.equals(s.paused())) {
      return;
    }
    String field = s.kind() == TriggerKind.ONCE ? "run_at" : "cron_expression";
    throw ApiException.badRequest(
        field,
        "this trigger has no fire time after now, so the schedule would never fire"
            + (s.kind() == TriggerKind.ONCE
                ? " (run_at has passed; POST /jobs/run/{job} runs it now)"
                : ""));
  }

  /**
   * Where a retimed schedule's next fire time is planned from: now, or its last fire if that is
   * later (an api whose clock is behind the scheduler's must not plan the time just fired again).
   */
  private static Instant from(Schedule read, Instant now) {
    // (not from a last fire a clock far ahead recorded: found by review, a PATCH or a resume then
    // planned the schedule's next fire at the jumped-to date)
    return read.lastRunAt() != null
            && read.lastRunAt().isAfter(now)
            && !ScheduleFiring.lastFireAhead(read, now)
        ? read.lastRunAt()
        : now;
  }

  @DELETE
  @Path("/{job_name}")
  @RolesAllowed(Role.ADMIN_NAME)
  public Response delete(@PathParam("job_name") String name, @Context SecurityContext sc) {
    Schedule gone = find(name, sc);
    if (!d.schedules().delete(name)) {
      throw ApiException.notFound("no schedule '" + name + "'");
    }
    d.changed().run();
    d.auditor().record(sc, "delete", "schedule", name, gone.tenantId(), null);
    return Response.noContent().build();
  }

  @POST
  @Path("/{job_name}/pause")
  @RolesAllowed(Role.OPERATOR_NAME)
  public ObjectNode pause(@PathParam("job_name") String name, @Context SecurityContext sc) {
    Schedule s =
        change(
            name,
            sc,
            read ->
                Boolean.TRUE.equals(read.paused())
                    ? null
                    : new Planned(read.withPaused(true), false));
    d.auditor().record(sc, "pause", "schedule", name, s.tenantId(), null);
    return view(s, d.clock().instant());
  }

  /** Resumes from now: fire times that passed while paused are not caught up. */
  @POST
  @Path("/{job_name}/resume")
  @RolesAllowed(Role.OPERATOR_NAME)
  public ObjectNode resume(@PathParam("job_name") String name, @Context SecurityContext sc) {
    Instant now = d.clock().instant();
    Schedule s =
        change(
            name,
            sc,
            read -> {
              if (!Boolean.TRUE.equals(read.paused())) {
                return null; // (not paused: its next fire time stays)
              }
              Schedule resumed = read.withPaused(false);
              try {
                resumed =
                    resumed.withNextRunAt(
                        Triggers.nextAfter(resumed, from(read, now)).orElse(null));
              } catch (CronException e) {
                // (stored with a trigger that no longer parses: it stays paused until fixed)
                throw ApiException.badRequest(
                    e.field(),
                    "the schedule stays paused: its trigger gives no fire time ("
                        + e.getMessage()
                        + "); fix it with PATCH, then resume");
              }
              firesAtAll(resumed); // (a once whose time passed while paused: found by review)
              return new Planned(resumed, true);
            });
    d.auditor().record(sc, "resume", "schedule", name, s.tenantId(), null);
    return view(s, now);
  }

  /** Runs the schedule's job now, outside its timetable; 202 with the run id. */
  @POST
  @Path("/{job_name}/trigger")
  @RolesAllowed(Role.OPERATOR_NAME)
  public Response trigger(@PathParam("job_name") String name, @Context SecurityContext sc) {
    Schedule s = find(name, sc);
    validate(s, sc); // a tenant's operator may not trigger a system job an unbound admin scheduled
    Instant now = d.clock().instant();
    JobRequest request = ScheduleOutput.request(s, new FiringPlan.Run(now, 1), now);
    String chainRun = d.fire(s, request);
    d.auditor()
        .record(
            sc,
            "trigger",
            "schedule",
            name,
            s.tenantId(),
            Json.object().put("run_id", request.runId().value()));
    return Response.accepted(
            new ScheduleTriggered(
                request.runId().value(),
                s.target(),
                s.jobName(),
                "queued",
                chainRun,
                chainRun == null ? null : "/jobs/chain-runs/" + chainRun))
        .build();
  }

  private Schedule find(String name, SecurityContext sc) {
    Schedule s =
        d.schedules()
            .find(name)
            .orElseThrow(() -> ApiException.notFound("no schedule '" + name + "'"));
    Access.mustSee(sc, s.tenantId(), () -> ApiException.notFound("no schedule '" + name + "'"));
    return s;
  }

  private static Schedule parse(JsonNode json) {
    try {
      return Json.mapper().treeToValue(json, Schedule.class);
    } catch (JsonProcessingException e) {
      throw ApiException.badRequest(fieldOf(e), "not a schedule: " + e.getOriginalMessage());
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(fieldOf(e), "not a schedule: " + e.getMessage());
    }
  }

  /**
   * The top-level field a schedule body could not be read at, as Jackson's path tells it; the body
   * when it tells none. (Found by review: every such 400 named the body, "interval_seconds":"abc"
   * too.)
   */
  private static String fieldOf(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof JsonMappingException m
          && !m.getPath().isEmpty()
          && m.getPath().get(0).getFieldName() != null) {
        return WireLimits.printable(m.getPath().get(0).getFieldName());
      }
    }
    return "body";
  }

  private static String safeZone(Schedule s) {
    try {
      return CronSchedule.zone(s.timezone()).getId();
    } catch (CronException e) {
      throw ApiException.badRequest(e.field(), e.getMessage());
    }
  }

  /**
   * Checks what the schedule runs: a job or chain that exists, which the caller may run (a token
   * bound to a tenant may not schedule a job of system scope), with parameters each job's schema
   * takes — so a schedule that is accepted can fire.
   */
  private Schedule validate(Schedule s, SecurityContext sc) {
    // found by review: a change setting tenant_id to null took a tenant's schedule out of its
    // tenant (for a per-tenant job, a fire on every tenant)
    Caller caller = Access.caller(sc);
    if (!caller.sees(s.tenantId())) {
      throw new ApiException(
          403,
          "Forbidden",
          "this token acts for tenant '" + caller.tenant() + "' only; its schedules name it",
          "tenant_id",
          null);
    }
    Optional<JobDescriptor> job = d.catalogue().find(s.target());
    Optional<Chain> chain = job.isPresent() ? Optional.empty() : d.chains().find(s.target());
    if (job.isEmpty() && chain.isEmpty()) {
      throw ApiException.badRequest(
          s.jobType() == null ? "job_name" : "job_type",
          "no job or chain named '"
              + s.target()
              + "' is registered; GET /jobs and GET /jobs/chains list them");
    }
    List<String> after = s.chain() == null ? List.of() : s.chain();
    if (job.isEmpty() && !after.isEmpty()) {
      throw ApiException.badRequest(
          "chain",
          "chain (jobs to run after a successful run) applies to a job; '"
              + s.target()
              + "' is a chain already");
    }
    // (found by review: a list of 20,000 jobs, in a body well under 1 MiB, took the scheduler's
    // loop for good when the schedule first fired, naming its steps)
    if (after.size() >= Chain.MAX_STEPS) {
      throw ApiException.badRequest(
          "chain",
          "chain lists "
              + after.size()
              + " jobs; at most "
              + (Chain.MAX_STEPS - 1)
              + " may follow the schedule's job (a chain has at most "
              + Chain.MAX_STEPS
              + " steps)");
    }
    List<JobDescriptor> following = new ArrayList<>();
    for (String next : after) {
      JobDescriptor j = next == null ? null : d.catalogue().find(next).orElse(null);
      if (j == null) {
        throw ApiException.badRequest(
            "chain", "chain lists '" + next + "', which is not a registered job");
      }
      following.add(j);
    }
    // the jobs of a chain run one after another, each once the one before ended: one that runs
    // once per tenant ends when it has planned the tenants' runs, not when they ran, so what
    // follows it would not wait for its work (as a chain's step: see Chain#validate)
    if (!after.isEmpty()) {
      List<JobDescriptor> inChain = new ArrayList<>(following);
      inChain.add(0, job.orElseThrow());
      for (JobDescriptor j : inChain) {
        if (j.perTenant()) {
          throw ApiException.badRequest(
              "chain",
              "job '"
                  + j.name()
                  + "' runs once per tenant: a chain cannot wait for its runs, so it cannot be"
                  + " in one; schedule it on its own");
        }
      }
    }
    JsonNode parameters =
        s.parameters() == null || s.parameters().isNull() ? Json.object() : s.parameters();
    if (!parameters.isObject()) {
      // (as a run-now's params must be: found by review, a job without a schema was then given a
      // string, a number or an array with every fire)
      throw ApiException.badRequest("parameters", "parameters must be a JSON object");
    }
    // (as a run-now's: larger, every fire would be refused, and staged with other fires of the
    // same instant in one transaction, one too large voided them all)
    Bodies.checkParamsSize("parameters", parameters);
    job.ifPresent(j -> runnable(sc, j, parameters, "job '" + j.name() + "'"));
    following.forEach(j -> runnable(sc, j, parameters, "job '" + j.name() + "' of chain"));
    // each step as a fire starts it: its params over the schedule's, of the size a request may
    // carry (found by review: each part was measured alone, and every fire's step went to the
    // dead letters), and its job in the catalogue (as a chain run by hand: 409 naming it)
    chain.ifPresent(
        c ->
            c.steps()
                .forEach(
                    step -> {
                      JsonNode merged = step.paramsOver(parameters);
                      Bodies.checkParamsSize("parameters", merged);
                      JobDescriptor j =
                          d.catalogue()
                              .find(step.job())
                              .orElseThrow(
                                  () -> ChainsResource.jobMissing(c.name(), step, "job_type"));
                      runnable(
                          sc, j, merged, "job '" + j.name() + "' of step '" + step.name() + "'");
                    }));
    try {
      Triggers.validate(s);
    } catch (CronException e) {
      throw ApiException.badRequest(e.field(), e.getMessage());
    }
    return s;
  }

  private void runnable(SecurityContext sc, JobDescriptor job, JsonNode params, String what) {
    Access.mayRun(sc, job);
    List<String> violations = VALIDATOR.violations(job, params);
    if (!violations.isEmpty()) {
      throw new ApiException(
          400,
          "Invalid parameters",
          "parameters do not match the schema of " + what + "; every fire would fail",
          "parameters",
          violations);
    }
  }

  private static void givenJitter(Integer seconds) {
    try {
      Triggers.checkGivenJitter(seconds);
    } catch (CronException e) {
      throw ApiException.badRequest(e.field(), e.getMessage());
    }
  }

  /**
   * 400 naming max_attempts when a body gives more than {@link WireLimits#MAX_ATTEMPTS}. (Checked
   * on what a caller gives, not on what is stored: a schedule stored with more before the bound can
   * still be triggered, changed and repaired, and fires with the bound; found by review.)
   */
  private static void maxAttemptsWithinBound(ObjectNode body) {
    JsonNode n = body.get("max_attempts");
    if (n != null && n.canConvertToInt() && n.asInt() > WireLimits.MAX_ATTEMPTS) {
      throw ApiException.badRequest(
          "max_attempts", "max_attempts must be at most " + WireLimits.MAX_ATTEMPTS);
    }
  }

  /**
   * 400 when a schedule whose fire starts a chain run sets {@code max_attempts} or {@code
   * timeout_seconds}: each step is sent as one attempt with its job's timeout, its retries decided
   * by the chain (a step's {@code on_failure: retry}), so these were taken and ignored, and a job
   * meant to be tried three times was tried once (found by review). Checked when a schedule is
   * created, or changed to set them or to run a chain ({@code before}: as stored, null for a new
   * one); a change of other fields of one stored with them before goes through, as do pause, resume
   * and trigger (found by review of the first fix: such a schedule could not be disabled).
   */
  private void noOverridesOfAChain(Schedule before, Schedule s) {
    String ignored =
        s.maxAttempts() != null
            ? "max_attempts"
            : s.timeoutSeconds() != null ? "timeout_seconds" : null;
    if (ignored == null) {
      return;
    }
    boolean startsChain = startsChain(s);
    if (before != null
        && Objects.equals(before.maxAttempts(), s.maxAttempts())
        && Objects.equals(before.timeoutSeconds(), s.timeoutSeconds())
        && startsChain(before) == startsChain) {
      return;
    }
    if (startsChain) {
      throw ApiException.badRequest(
          ignored,
          ignored
              + " applies to a schedule of one job; a fire of this schedule runs a chain, whose"
              + " steps retry by their on_failure (declare the chain with retry) and take their"
              + " jobs' timeouts; leave it out (or send "
              + ignored
              + ": null to clear it)");
    }
  }

  private boolean startsChain(Schedule s) {
    return (s.chain() != null && !s.chain().isEmpty())
        || (d.catalogue().find(s.target()).isEmpty() && d.chains().find(s.target()).isPresent());
  }

  private Schedule validateAndPlan(Schedule s, Instant now, SecurityContext sc) {
    validate(s, sc);
    return s.withNextRunAt(Triggers.nextAfter(s, now).orElse(null));
  }
}
