package io.jobline.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.api.auth.Access;
import io.jobline.api.auth.Role;
import io.jobline.chain.Chain;
import io.jobline.chain.ChainException;
import io.jobline.chain.ChainLauncher;
import io.jobline.chain.ChainRun;
import io.jobline.chain.ChainStep;
import io.jobline.job.JobDescriptor;
import io.jobline.job.ParamsValidator;
import io.jobline.store.CatalogueStore;
import io.jobline.store.ChainStore;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import io.jobline.wire.Secrets;
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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;

/** Chain definitions (declared in code or posted here) and starting a chain run. */
@Path("/jobs/chains")
@Produces(MediaType.APPLICATION_JSON)
public final class ChainsResource {
  /** A chain run started: its id, its chain, and where to follow it. */
  @JsonNaming(SnakeCaseStrategy.class)
  record ChainAccepted(String chainRunId, String chainName, String status, String statusUrl) {}

  private static final String EXAMPLE =
      "{\"name\":\"month-end\",\"steps\":[{\"job\":\"settlement\"},"
          + "{\"job\":\"invoicing\",\"depends_on\":[\"settlement\"],\"on_failure\":\"continue\"}]}";
  private static final String RUN_EXAMPLE =
      "{\"tenant_id\":\"t1\",\"params\":{\"period\":\"2026-03\"}}";

  private static final Set<String> STEP_FIELDS = Bodies.fieldsOf(ChainStep.class);
  private static final Set<String> STEP_WHOLE_NUMBERS = Set.of("retries", "retry_delay_seconds");
  private final ChainStore chains;
  private final CatalogueStore catalogue;
  private final ChainLauncher launcher;
  private final ParamsValidator validator;

  private final Auditor auditor;

  public ChainsResource(
      ChainStore chains,
      CatalogueStore catalogue,
      ChainLauncher launcher,
      ParamsValidator validator,
      Auditor auditor) {
    this.auditor = auditor;
    this.chains = chains;
    this.catalogue = catalogue;
    this.launcher = launcher;
    this.validator = validator;
  }

  @GET
  @RolesAllowed(Role.VIEWER_NAME)
  public List<Map<String, Object>> list() {
    return chains.list().stream().map(ChainsResource::view).toList();
  }

  @GET
  @Path("/{name}")
  @RolesAllowed(Role.VIEWER_NAME)
  public Map<String, Object> show(@PathParam("name") String name) {
    return view(find(name));
  }

  /** Creates or replaces a chain; 201 with it, 400 naming the step at fault. */
  @POST
  @RolesAllowed(Role.ADMIN_NAME)
  @Consumes({MediaType.APPLICATION_JSON, MediaType.WILDCARD})
  public Response create(String body, @Context SecurityContext sc) {
    Access.mustBeUnbound(sc, "defining a chain");
    ObjectNode json = Bodies.object(body, EXAMPLE, Set.of("name", "description", "steps"));
    if (!(json.get("steps") == null || json.get("steps").isArray())) {
      throw ApiException.badRequest("steps", "steps must be a list of steps, e.g. " + EXAMPLE);
    }
    Bodies.checkName("name", Bodies.optionalText(json, "name"));
    if (json.get("steps") != null) {
      for (int i = 0; i < json.get("steps").size(); i++) {
        JsonNode step = json.get("steps").get(i);
        String at = "steps[" + i + "]";
        if (!step.isObject()) {
          throw ApiException.badRequest(
              at, at + " must be an object, e.g. {\"job\":\"settlement\"}");
        }
        for (var f = step.fieldNames(); f.hasNext(); ) {
          String name = f.next();
          if (!STEP_FIELDS.contains(name)) {
            throw ApiException.badRequest(
                at + "." + WireLimits.printable(name),
                "unknown field '"
                    + WireLimits.printable(name)
                    + "' in "
                    + at
                    + "; a step takes "
                    + String.join(", ", new TreeSet<>(STEP_FIELDS)));
          }
        }
        if (step.hasNonNull("name")) {
          Bodies.checkName(at + ".name", step.get("name").asText());
        }
        if (step.hasNonNull("params")) {
          Bodies.checkParamsSize(at + ".params", step.get("params"));
        }
        for (String field : STEP_WHOLE_NUMBERS) {
          JsonNode v = step.get(field);
          // (read into an int, 1.5 was taken as 1 and 1e10 refused naming no field: review)
          if (v != null && !v.isNull() && !(Bodies.wholeNumber(v) && v.canConvertToInt())) {
            throw ApiException.badRequest(
                at + "." + field, at + "." + field + " must be a whole number, not " + v);
          }
        }
      }
    }
    Chain chain;
    try {
      chain = Json.mapper().treeToValue(json, Chain.class);
    } catch (JsonMappingException e) {
      throw ApiException.badRequest(fieldOf(e), "not a chain: " + e.getOriginalMessage());
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw ApiException.badRequest("body", "not a chain: " + e.getMessage());
    }
    try {
      // each step's job read from the catalogue once (a store read), for both questions
      Map<String, Optional<JobDescriptor>> jobs = new HashMap<>();
      Function<String, Optional<JobDescriptor>> job =
          name -> jobs.computeIfAbsent(name, catalogue::find);
      chain.validate(
          name -> job.apply(name).isPresent(),
          name -> job.apply(name).map(JobDescriptor::perTenant).orElse(false));
    } catch (ChainException e) {
      throw new ApiException(
          400,
          "Invalid chain",
          e.getMessage(),
          e.field(),
          e.step() == null ? null : List.of("step: " + e.step()));
    }
    if (catalogue.find(chain.name()).isPresent()) {
      throw new ApiException(
          409,
          "Name taken by a job",
          "'"
              + chain.name()
              + "' is a job; a chain of the same name "
              + "would take over that job's schedules, so post it under another name",
          "name",
          null);
    }
    chains
        .find(chain.name())
        .filter(d -> d.source() == ChainStore.Source.CODE)
        .ifPresent(
            d -> {
              throw new ApiException(
                  409,
                  "Chain declared in code",
                  "chain '"
                      + chain.name()
                      + "' is declared with @JobChain; change it in code, or post this one under another name",
                  "name",
                  null);
            });
    boolean existed = chains.find(chain.name()).isPresent();
    chains.save(chain, ChainStore.Source.API);
    auditor.record(sc, existed ? "change" : "create", "chain", chain.name(), null, null);
    return Response.created(URI.create("/jobs/chains/" + chain.name()))
        .entity(view(new ChainStore.Declared(chain, ChainStore.Source.API)))
        .build();
  }

  /**
   * Starts a run of the chain; 202 with its id. Every step's params are checked against its job
   * first.
   */
  @POST
  @Path("/{name}/run")
  @RolesAllowed(Role.OPERATOR_NAME)
  @Consumes({MediaType.APPLICATION_JSON, MediaType.WILDCARD})
  public Response run(
      @PathParam("name") String name,
      String body,
      @Context SecurityContext sc,
      @HeaderParam(JobsResource.IDEMPOTENCY_KEY) String idempotencyKey) {
    Chain chain = find(name).chain();
    ObjectNode request =
        body == null || body.isBlank()
            ? Json.object()
            : Bodies.object(body, RUN_EXAMPLE, Set.of("tenant_id", "params"));
    for (ChainStep step : chain.steps()) {
      catalogue.find(step.job()).ifPresent(job -> Access.mayRun(sc, job));
    }
    String tenant = Access.tenantFor(sc, Bodies.optionalTenant(request));
    ObjectNode params = Bodies.optionalObject(request, "params");
    Bodies.checkParamsSize(params);
    // a key names one chain run of the tenant's: a client that retries (after a timeout, on
    // another api) gets the run the first request started, as it stands, and starts no second
    String id =
        idempotencyKey == null
            ? UUID.randomUUID().toString()
            : RunId.forChainIdempotencyKey(tenant, name, JobsResource.checkKey(idempotencyKey))
                .value();
    // its steps checked only for a run to start: a replay of one started before is answered as
    // it stands, though the chain or a step's job has changed since (found by review: 400 or 409)
    boolean replay = idempotencyKey != null && launcher.run(id).isPresent();
    for (ChainStep step : replay ? List.<ChainStep>of() : chain.steps()) {
      JobDescriptor job =
          catalogue.find(step.job()).orElseThrow(() -> jobMissing(chain.name(), step, "name"));
      if (job.perTenant()) {
        // (the chain was defined before its job came to run per tenant: see Chain#validate)
        throw new ApiException(
            409,
            "Chain cannot run",
            "step '"
                + step.name()
                + "' runs job '"
                + step.job()
                + "', which now runs once per tenant; a chain cannot wait for such a job, so"
                + " define the chain again without it",
            "name",
            null);
      }
      JsonNode merged = step.paramsOver(params);
      // (each step's params and the run's fit; both together must too, or no executor takes it)
      Bodies.checkParamsSize("params", merged);
      List<String> violations = validator.violations(job, merged);
      if (!violations.isEmpty()) {
        throw new ApiException(
            400,
            "Invalid params",
            "params do not match the schema of job '"
                + step.job()
                + "' of step '"
                + step.name()
                + "'",
            "params",
            violations);
      }
    }
    ChainLauncher.Launched launched =
        launcher.launchNow(id, chain, tenant, params, Access.caller(sc).name());
    ChainRun run = launched.run();
    if (run == null) {
      throw new ApiException(
          409,
          "Chain run gone",
          "the chain run this Idempotency-Key names was deleted as this request came; send it again",
          JobsResource.IDEMPOTENCY_KEY,
          null);
    }
    if (!launched.isNew() && !SameRequest.sameParams(run.params(), params)) {
      throw SameRequest.reused("chain run", run.chainRunId(), "params");
    }
    // a replay is recorded too: the first request may have started the run and died before it
    // recorded it (found by review)
    ObjectNode details = Json.object().put("chain", name);
    Response.ResponseBuilder answer = accepted(run, name);
    if (!launched.isNew()) {
      details.put("replayed", true);
      answer.header(JobsResource.REPLAYED, "true");
    }
    auditor.record(sc, "run", "chain_run", run.chainRunId(), tenant, details);
    return answer.build();
  }

  /** 202 naming the chain run, as it stands now, and where to follow it. */
  private static Response.ResponseBuilder accepted(ChainRun run, String name) {
    return Response.accepted(
            new ChainAccepted(
                run.chainRunId(),
                name,
                run.status().wire(),
                "/jobs/chain-runs/" + run.chainRunId()))
        .location(URI.create("/jobs/chain-runs/" + run.chainRunId()));
  }

  /**
   * The field a chain's body failed to read at, as {@code steps[2].depends_on[0]}; {@code body}
   * when Jackson names none.
   */
  private static String fieldOf(JsonMappingException e) {
    StringBuilder field = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        field.append(field.isEmpty() ? "" : ".").append(WireLimits.printable(r.getFieldName()));
      } else if (r.getIndex() >= 0) {
        field.append('[').append(r.getIndex()).append(']');
      }
    }
    return field.isEmpty() ? "body" : field.toString();
  }

  private ChainStore.Declared find(String name) {
    return chains
        .find(name)
        .orElseThrow(
            () -> ApiException.notFound("no chain '" + name + "'; GET /jobs/chains lists them"));
  }

  private static Map<String, Object> view(ChainStore.Declared d) {
    @SuppressWarnings("unchecked")
    Map<String, Object> m =
        new LinkedHashMap<>(
            Json.mapper().convertValue(Secrets.redact(Json.tree(d.chain())), Map.class));
    m.put("source", d.source().name().toLowerCase(Locale.ROOT));
    return m;
  }

  /** 409 naming {@code field}: a step of the chain runs a job no longer in the catalogue. */
  static ApiException jobMissing(String chain, ChainStep step, String field) {
    return new ApiException(
        409,
        "Job missing",
        "step '"
            + step.name()
            + "' of chain '"
            + chain
            + "' runs job '"
            + step.job()
            + "', which is no longer in the catalogue",
        field,
        null);
  }
}
