package io.jobline.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.cron.CronSchedule;
import io.jobline.schedule.Schedule;
import io.jobline.schedule.Triggers;
import io.jobline.wire.Json;
import java.time.Instant;
import java.time.ZoneId;

/** A schedule as the API shows it: its fields, what its trigger means in words, its next fire times. */
final class ScheduleViews {
  static final int NEXT_FIRES = 5;

  private ScheduleViews() {}

  static ObjectNode view(Schedule s, Instant now) {
    ObjectNode view = Json.mapper().valueToTree(s);
    view.remove("version");
    view.put("description_of_trigger", describe(s));
    ArrayNode next = view.putArray("next_fire_times");
    ZoneId zone = CronSchedule.zone(s.timezone());
    Instant t = s.nextRunAt();
    for (int i = 0; i < NEXT_FIRES && t != null; i++) {
      next.add(t.atZone(zone).toOffsetDateTime().toString());
      t = Triggers.nextAfter(s, t).orElse(null);
    }
    return view;
  }

  static String describe(Schedule s) {
    return switch (s.kind()) {
      case CRON -> CronSchedule.parse(s.cronExpression(), s.timezone()).describe();
      case INTERVAL -> "Every " + s.intervalSeconds() + " s, counted from " + s.runAt();
      case ONCE -> "Once, at " + s.runAt().atZone(CronSchedule.zone(s.timezone())).toOffsetDateTime();
    };
  }
}
