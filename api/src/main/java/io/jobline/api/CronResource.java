package io.jobline.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.cron.CronException;
import io.jobline.cron.CronSchedule;
import io.jobline.wire.Json;
import io.jobline.api.auth.Access;
import io.jobline.api.auth.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** Cron preview: what an expression means and when it fires, DST included. */
@Path("/jobs/cron")
@Produces(MediaType.APPLICATION_JSON)
public final class CronResource {
  static final int MAX_COUNT = 1000;
  private final Clock clock;

  public CronResource(Clock clock) {
    this.clock = clock;
  }

  @POST
  @Path("/preview")
  @RolesAllowed(Role.VIEWER_NAME)
  @Consumes({MediaType.APPLICATION_JSON, MediaType.WILDCARD})
  public ObjectNode preview(String body) {
    ObjectNode req = Bodies.object(body, "{\"cron_expression\":\"0 9 * * 0-4\",\"timezone\":\"Europe/Stockholm\",\"count\":5}",
        java.util.Set.of("cron_expression", "timezone", "count", "from"));
    String expression = Bodies.optionalText(req, "cron_expression");
    String timezone = Bodies.optionalText(req, "timezone");
    Integer count = Bodies.optionalPositiveInt(req, "count");
    if (count != null && count > MAX_COUNT) {
      throw ApiException.badRequest("count", "count must be at most " + MAX_COUNT);
    }
    Instant from = clock.instant();
    String fromText = Bodies.optionalText(req, "from");
    if (fromText != null) {
      try {
        from = java.time.OffsetDateTime.parse(fromText).toInstant();
      } catch (DateTimeParseException e) {
        throw ApiException.badRequest("from", "from must be an ISO-8601 instant with offset, e.g. 2026-03-29T00:00:00Z");
      }
    }
    try {
      return render(CronSchedule.parse(expression, timezone), from, count == null ? 10 : count);
    } catch (CronException e) {
      throw ApiException.badRequest(e.field(), e.getMessage());
    }
  }

  /** The preview document; also printed by {@code jobline cron}. */
  public static ObjectNode render(CronSchedule cron, Instant from, int count) {
    ObjectNode out = Json.object().put("cron_expression", cron.expression())
        .put("timezone", cron.zone().getId()).put("description", cron.describe())
        .put("from", from.toString());
    ArrayNode times = out.putArray("fire_times");
    ArrayNode dst = out.putArray("dst_notes");
    for (CronSchedule.FireTime t : cron.fireTimesAfter(from, count, true)) {
      if (t.note() == CronSchedule.DstNote.SKIPPED) {
        dst.addObject().put("local_time", t.local().toString()).put("kind", "skipped")
            .put("note", "falls in the spring-forward gap; does not fire that day");
        continue;
      }
      ObjectNode item = times.addObject()
          .put("at", t.instant().atZone(cron.zone()).toOffsetDateTime().toString())
          .put("utc", t.instant().toString());
      if (t.note() == CronSchedule.DstNote.DEDUPLICATED) {
        item.put("dst", "deduplicated");
        dst.addObject().put("local_time", t.local().toString()).put("kind", "deduplicated")
            .put("note", "occurs twice in the fall-back overlap; fires once, at the first occurrence");
      }
    }
    return out;
  }
}
