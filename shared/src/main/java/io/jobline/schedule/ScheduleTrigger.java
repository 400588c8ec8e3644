package io.jobline.schedule;

import io.jobline.cron.CronException;
import io.jobline.cron.CronSchedule;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * When a schedule fires, read once from its trigger fields ({@code trigger_type}, {@code
 * cron_expression}, {@code timezone}, {@code interval_seconds}, {@code run_at}) when the schedule
 * is read. A schedule whose trigger fields are broken still reads, as {@link Invalid}: asking it
 * for a fire time throws the error that names the field at fault.
 */
public sealed interface ScheduleTrigger {

  /**
   * The first fire time strictly after {@code after}, if there is one.
   *
   * @throws CronException naming the field at fault, for an {@link Invalid} trigger
   */
  Optional<Instant> nextAfter(Instant after);

  /**
   * Checks the trigger fields.
   *
   * @throws CronException naming the field at fault and why, for an {@link Invalid} trigger
   */
  default void check() {}

  /** A cron expression in a timezone. */
  record Cron(CronSchedule cron) implements ScheduleTrigger {
    @Override
    public Optional<Instant> nextAfter(Instant after) {
      return cron.nextAfter(after);
    }
  }

  /**
   * Every {@code interval}, counted from {@code anchor}; with no anchor, from the time it is asked
   * about.
   */
  record Every(Duration interval, Instant anchor) implements ScheduleTrigger {
    @Override
    public Optional<Instant> nextAfter(Instant after) {
      Instant from = anchor == null ? after : anchor;
      long step = interval.toMillis();
      long since = after.toEpochMilli() - from.toEpochMilli();
      long k = since < 0 ? 0 : since / step + 1;
      return Optional.of(from.plusMillis(k * step));
    }
  }

  /** Once, at {@code at}. */
  record Once(Instant at) implements ScheduleTrigger {
    @Override
    public Optional<Instant> nextAfter(Instant after) {
      return at.isAfter(after) ? Optional.of(at) : Optional.empty();
    }
  }

  /** Trigger fields that do not make a trigger: the field at fault and why. */
  record Invalid(String field, String reason) implements ScheduleTrigger {
    @Override
    public Optional<Instant> nextAfter(Instant after) {
      throw error();
    }

    @Override
    public void check() {
      throw error();
    }

    /** The error naming the field, as the parse or check that found it threw it. */
    public CronException error() {
      return new CronException(field, reason);
    }
  }

  /**
   * The trigger these trigger fields make: {@code known} if it was read from the same fields (a
   * copy of a schedule keeps its trigger without parsing it again), else read from them.
   */
  static ScheduleTrigger of(
      TriggerKind kind,
      String cronExpression,
      String timezone,
      Integer intervalSeconds,
      Instant runAt,
      ScheduleTrigger known) {
    return known != null && known.readFrom(kind, cronExpression, timezone, intervalSeconds, runAt)
        ? known
        : of(kind, cronExpression, timezone, intervalSeconds, runAt);
  }

  /**
   * Whether reading these trigger fields makes this trigger again, as far as a cheap look tells (an
   * invalid trigger says no: it is read again).
   */
  private boolean readFrom(
      TriggerKind kind,
      String cronExpression,
      String timezone,
      Integer intervalSeconds,
      Instant runAt) {
    TriggerKind k = kind == null ? TriggerKind.CRON : kind;
    if (this instanceof Cron c) {
      String zone =
          timezone == null || timezone.isBlank() ? CronSchedule.DEFAULT_TIMEZONE : timezone;
      return k == TriggerKind.CRON
          && cronExpression != null
          && c.cron().expression().equals(cronExpression.trim())
          && c.cron().zone().getId().equals(zone);
    }
    if (this instanceof Every e) {
      return k == TriggerKind.INTERVAL
          && intervalSeconds != null
          && e.interval().getSeconds() == intervalSeconds
          && Objects.equals(e.anchor(), runAt);
    }
    return this instanceof Once o && k == TriggerKind.ONCE && o.at().equals(runAt);
  }

  /** The trigger these trigger fields make ({@link Invalid} if they make none); never throws. */
  static ScheduleTrigger of(
      TriggerKind kind,
      String cronExpression,
      String timezone,
      Integer intervalSeconds,
      Instant runAt) {
    return switch (kind == null ? TriggerKind.CRON : kind) {
      case CRON -> {
        try {
          yield new Cron(CronSchedule.parse(cronExpression, timezone));
        } catch (CronException e) {
          yield new Invalid(e.field(), e.reason());
        }
      }
      case INTERVAL ->
          intervalSeconds == null || intervalSeconds < 1
              ? new Invalid("interval_seconds", "an interval trigger needs interval_seconds >= 1")
              : new Every(Duration.ofSeconds(intervalSeconds), runAt);
      case ONCE ->
          runAt == null
              ? new Invalid("run_at", "a once trigger needs run_at (an ISO-8601 instant)")
              : new Once(runAt);
    };
  }
}
