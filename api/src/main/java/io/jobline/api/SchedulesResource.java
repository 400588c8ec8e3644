package io.jobline.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.cron.CronException;
import io.jobline.cron.CronSchedule;
import io.jobline.schedule.Schedule;
import io.jobline.store.CatalogueStore;
import io.jobline.store.ScheduleStore;
import io.jobline.wire.Json;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Clock;
import java.util.List;

/** Schedules (seed paths). */
@Path("/jobs/schedules")
@Produces(MediaType.APPLICATION_JSON)
public final class SchedulesResource {
  private static final String EXAMPLE =
      "{\"job_name\":\"nightly-settlement\",\"job_type\":\"settlement\",\"cron_expression\":\"0 2 * * *\"}";
  private final ScheduleStore schedules;
  private final CatalogueStore catalogue;
  private final Clock clock;
  private final Runnable changed;

  public SchedulesResource(ScheduleStore schedules, CatalogueStore catalogue, Clock clock, Runnable changed) {
    this.schedules = schedules;
    this.catalogue = catalogue;
    this.clock = clock;
    this.changed = changed;
  }

  /** Creates or replaces a schedule; it takes effect without a restart. */
  @POST
  @Consumes({MediaType.APPLICATION_JSON, MediaType.WILDCARD})
  public Response create(String body) {
    ObjectNode json = Bodies.object(body, EXAMPLE);
    Schedule given;
    try {
      given = Json.mapper().treeToValue(json, Schedule.class);
    } catch (com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
      throw ApiException.badRequest("body", "not a schedule: " + e.getMessage());
    }
    if (given.jobName() == null || given.jobName().isBlank()) {
      throw ApiException.badRequest("job_name", "job_name (the schedule's name) is required");
    }
    if (catalogue.find(given.target()).isEmpty()) {
      throw ApiException.badRequest(given.jobType() == null ? "job_name" : "job_type",
          "no job named '" + given.target() + "' is registered; GET /jobs lists the catalogue");
    }
    CronSchedule cron;
    try {
      cron = CronSchedule.parse(given.cronExpression(), given.timezone());
    } catch (CronException e) {
      throw ApiException.badRequest(e.field(), e.getMessage());
    }
    Schedule saved = new Schedule(given.jobName(), given.description(), cron.expression(),
        given.isEnabled() == null ? Boolean.TRUE : given.isEnabled(), given.target(),
        given.parameters() == null ? Json.object() : given.parameters(), given.maxAttempts(),
        given.timeoutSeconds(), cron.zone().getId(), given.tenantId(), null, null,
        cron.nextAfter(clock.instant()).orElse(null));
    schedules.save(saved);
    changed.run();
    return Response.created(URI.create("/jobs/schedules/" + saved.jobName())).entity(saved).build();
  }

  @GET
  public List<Schedule> list() {
    return schedules.findAll();
  }

  @GET
  @Path("/{job_name}")
  public Schedule show(@PathParam("job_name") String name) {
    return schedules.find(name).orElseThrow(() -> ApiException.notFound("no schedule '" + name + "'"));
  }

  @DELETE
  @Path("/{job_name}")
  public Response delete(@PathParam("job_name") String name) {
    if (!schedules.delete(name)) {
      throw ApiException.notFound("no schedule '" + name + "'");
    }
    changed.run();
    return Response.noContent().build();
  }
}
