package io.jobline.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.api.auth.Role;
import io.jobline.cron.CronException;
import io.jobline.cron.CronSchedule;
import io.jobline.wire.Json;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.zone.ZoneOffsetTransition;
import java.util.HashSet;
import java.util.Set;

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
    ObjectNode req =
        Bodies.object(
            body,
            "{\"cron_expression\":\"0 9 * * 0-4\",\"timezone\":\"Europe/Stockholm\",\"count\":5}",
            Set.of("cron_expression", "timezone", "count", "from"));
    String expression = Bodies.optionalText(req, "cron_expression");
    String timezone = Bodies.optionalText(req, "timezone");
    Integer count = Bodies.optionalPositiveInt(req, "count");
    if (count != null && count > MAX_COUNT) {
      throw ApiException.badRequest("count", "count must be at most " + MAX_COUNT);
    }
    Instant from = clock.instant();
    String fromText = Bodies.optionalText(req, "from");
    if (fromText != null) {
      from = Bodies.instant("from", fromText);
    }
    try {
      return render(CronSchedule.parse(expression, timezone), from, count == null ? 10 : count);
    } catch (CronException e) {
      throw ApiException.badRequest(e.field(), e.getMessage());
    }
  }

  /** Notes on fire times of the DST transitions after the listed ones, at most. */
  static final int MAX_LATER_NOTES = 10;

  /**
   * The preview document; also printed by {@code jobline cron}. Its DST notes cover the fire times
   * listed and those of the zone's transitions within a year after {@code from}: a daily 02:30
   * edited in December is told what the spring-forward gap in March does to it.
   */
  public static ObjectNode render(CronSchedule cron, Instant from, int count) {
    ObjectNode out =
        Json.object()
            .put("cron_expression", cron.expression())
            .put("timezone", cron.zone().getId())
            .put("description", cron.describe())
            .put("from", from.toString());
    ArrayNode times = out.putArray("fire_times");
    ArrayNode dst = out.putArray("dst_notes");
    Set<LocalDateTime> noted = new HashSet<>();
    for (CronSchedule.FireTime t : cron.fireTimesAfter(from, count, true)) {
      if (t.note() == CronSchedule.DstNote.SKIPPED) {
        note(dst, noted, t);
        continue;
      }
      ObjectNode item =
          times
              .addObject()
              .put("at", t.instant().atZone(cron.zone()).toOffsetDateTime().toString())
              .put("utc", t.instant().toString());
      if (t.note() == CronSchedule.DstNote.DEDUPLICATED) {
        item.put("dst", "deduplicated");
        note(dst, noted, t);
      }
    }
    int later = 0;
    Instant horizon = from.plus(Duration.ofDays(366));
    for (ZoneOffsetTransition tr = cron.zone().getRules().nextTransition(from);
        tr != null && tr.getInstant().isBefore(horizon) && later < MAX_LATER_NOTES;
        tr = cron.zone().getRules().nextTransition(tr.getInstant())) {
      // the fires around the transition: a gap or an overlap lasts an hour or two at most
      LocalDateTime until = tr.getDateTimeAfter().plusHours(3);
      for (CronSchedule.FireTime t :
          cron.fireTimesAfter(tr.getInstant().minus(Duration.ofHours(3)), 400, true)) {
        if (!t.local().isBefore(until) || later >= MAX_LATER_NOTES) {
          break;
        }
        if (t.note() != CronSchedule.DstNote.NONE && note(dst, noted, t)) {
          later++;
        }
      }
    }
    return out;
  }

  /** Adds the note of a fire time DST skips or folds, once; false when it was there already. */
  private static boolean note(ArrayNode dst, Set<LocalDateTime> noted, CronSchedule.FireTime t) {
    if (!noted.add(t.local())) {
      return false;
    }
    boolean skipped = t.note() == CronSchedule.DstNote.SKIPPED;
    dst.addObject()
        .put("local_time", t.local().toString())
        .put("kind", skipped ? "skipped" : "deduplicated")
        .put(
            "note",
            skipped
                ? "falls in the spring-forward gap; does not fire that day"
                : "occurs twice in the fall-back overlap; fires once, at the first occurrence");
    return true;
  }
}
