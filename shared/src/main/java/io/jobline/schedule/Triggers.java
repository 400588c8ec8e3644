package io.jobline.schedule;

import io.jobline.cron.CronException;
import io.jobline.cron.CronSchedule;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Fire times of a schedule, from the trigger it was read with, and checks of its fields. */
public final class Triggers {
  private Triggers() {}

  /**
   * Checks a schedule's trigger fields.
   *
   * @throws CronException naming the field at fault and why
   */
  public static void validate(Schedule s) {
    s.trigger().check();
    CronSchedule.zone(s.timezone());
    if (s.jitterSeconds() != null && s.jitterSeconds() < 0) {
      throw new CronException("jitter_seconds", "must be 0 or more");
    }
    if (s.misfireGraceSeconds() != null && s.misfireGraceSeconds() < 0) {
      throw new CronException("misfire_grace_seconds", "must be 0 or more");
    }
    if (s.misfireMaxRuns() != null && s.misfireMaxRuns() < 1) {
      throw new CronException("misfire_max_runs", "must be 1 or more");
    }
  }

  /** The first fire time strictly after {@code after}. */
  public static Optional<Instant> nextAfter(Schedule s, Instant after) {
    return s.trigger().nextAfter(after);
  }

  /**
   * Every fire time from {@code first} (included) up to {@code until} (included), at most {@code
   * limit}.
   */
  public static List<Instant> between(Schedule s, Instant first, Instant until, int limit) {
    List<Instant> out = new ArrayList<>();
    Instant t = first;
    while (t != null && !t.isAfter(until) && out.size() < limit) {
      out.add(t);
      t = nextAfter(s, t).orElse(null);
    }
    return out;
  }

  /** A deterministic delay in [0, jitter) for a fire time, the same on every replica. */
  public static Duration jitter(Schedule s, Instant nominal) {
    if (s.jitterSeconds() == null || s.jitterSeconds() == 0) {
      return Duration.ZERO;
    }
    long h = (s.jobName() + "@" + nominal).hashCode() & 0x7fffffffL;
    return Duration.ofMillis(h % (s.jitterSeconds() * 1000L));
  }
}
