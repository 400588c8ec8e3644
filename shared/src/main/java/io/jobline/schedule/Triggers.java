package io.jobline.schedule;

import io.jobline.cron.CronException;
import io.jobline.cron.CronSchedule;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Fire times of a schedule, from the trigger it was read with, and checks of its fields. */
public final class Triggers {
  /**
   * The longest jitter a schedule may be given, in seconds: a week (found by review: a jitter of 63
   * years was taken, and the schedule's fires came that late). Schedules stored with a longer one
   * before the bound keep it.
   */
  public static final int MAX_JITTER = 7 * 86_400;

  private Triggers() {}

  /**
   * Checks a schedule's trigger fields, and the attempts and timeout its runs ask for.
   *
   * @throws CronException naming the field at fault and why
   */
  public static void validate(Schedule s) {
    s.trigger().check();
    CronSchedule.zone(s.timezone());
    if (s.jitterSeconds() != null && s.jitterSeconds() < 0) {
      throw new CronException("jitter_seconds", "must be 0 or more");
    }
    if (s.maxAttempts() != null && s.maxAttempts() < 1) {
      // (else every fire was refused by the executor: found by review)
      throw new CronException("max_attempts", "must be 1 or more");
    }
    if (s.timeoutSeconds() != null && s.timeoutSeconds() < 1) {
      throw new CronException("timeout_seconds", "must be 1 or more");
    }
    if (s.misfireGraceSeconds() != null && s.misfireGraceSeconds() < 0) {
      throw new CronException("misfire_grace_seconds", "must be 0 or more");
    }
    if (s.misfireMaxRuns() != null && s.misfireMaxRuns() < 1) {
      throw new CronException("misfire_max_runs", "must be 1 or more");
    }
  }

  /**
   * Checks a jitter being given to a schedule.
   *
   * @throws CronException naming jitter_seconds when it is over {@link #MAX_JITTER}
   */
  public static void checkGivenJitter(Integer jitterSeconds) {
    if (jitterSeconds != null && jitterSeconds > MAX_JITTER) {
      throw new CronException(
          "jitter_seconds", "must be at most " + MAX_JITTER + " (a week); got " + jitterSeconds);
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

  /**
   * The last fire times of a span, oldest first, and how many fire times the span held ({@code
   * estimated}: about so many, when there were too many to step through).
   */
  public record Due(List<Instant> last, long total, boolean estimated) {
    /** How many fire times came before the ones kept. */
    public long earlier() {
      return total - last.size();
    }
  }

  /**
   * How many fire times {@link #lastBetween} steps through at most before it jumps to the end of
   * the span: a plan runs on the scheduler's loop, again every second while it cannot fire, and
   * 100,000 steps of a cron took about 4 s (20,000 of an every-minute cron: two weeks down).
   */
  static final long MAX_STEPPED = 20_000;

  /**
   * The last {@code limit} fire times from {@code first} (included) up to {@code until} (included),
   * and how many there were in all: after a long outage, the times nearest now are those a catch-up
   * acts on, and the rest are counted, not lost. Past {@link #MAX_STEPPED} times it jumps to about
   * {@code limit} fire times (at the mean period seen) before {@code until}, and the count of those
   * it skipped is an estimate.
   */
  public static Due lastBetween(Schedule s, Instant first, Instant until, int limit) {
    ArrayDeque<Instant> last = new ArrayDeque<>(Math.min(limit, 1024) + 1);
    long total = 0;
    boolean estimated = false;
    Instant t = first;
    while (t != null && !t.isAfter(until)) {
      if (total == MAX_STEPPED) {
        // (the mean period so far: jump to 2 x limit periods before the end, where stepping
        // resumes; what lies between is counted at that period)
        long meanMillis = Math.max(1, Duration.between(first, t).toMillis() / total);
        long periods = (Duration.between(t, until).toMillis() / meanMillis) - 2L * limit;
        if (periods > 0) {
          total += periods;
          estimated = !(s.trigger() instanceof ScheduleTrigger.Every);
          // an interval's times are its grid, from where it stands: a whole number of them on
          // (the same times however often the plan is made, so the same run ids); a cron's, the
          // first after the point reached. The times kept so far stay until later ones push them
          // out, should a cron have none there (one that fires only in January, say)
          t =
              s.trigger() instanceof ScheduleTrigger.Every
                  ? t.plusMillis(periods * meanMillis)
                  : nextAfter(s, t.plusMillis(periods * meanMillis).minusMillis(1)).orElse(null);
          continue;
        }
      }
      total++;
      last.addLast(t);
      if (last.size() > limit) {
        last.removeFirst();
      }
      t = nextAfter(s, t).orElse(null);
    }
    return new Due(new ArrayList<>(last), total, estimated);
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
