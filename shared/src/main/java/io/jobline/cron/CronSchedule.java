package io.jobline.cron;

import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A 5-field cron expression in Jobline's dialect, evaluated wall-clock in an IANA timezone.
 *
 * <p>Fields: minute hour day-of-month month day-of-week. Operators {@code *}, {@code N}, {@code
 * N,M}, {@code N-M}, {@code * /N} and {@code N/M} (every M starting at N). Day-of-week is ISO: 0 =
 * Monday … 6 = Sunday; names MON..SUN and JAN..DEC are accepted. When both day-of-month and
 * day-of-week are restricted (allow fewer than all their values: {@code *}, {@code * /1} and {@code
 * 1-31} are not), a day matches if either does. A fire time in the spring-forward gap is skipped
 * that day; one in the fall-back overlap fires once, at its first occurrence.
 */
public final class CronSchedule {
  public static final String DEFAULT_TIMEZONE = "Europe/Stockholm";
  static final String[] FIELDS = {"minute", "hour", "day-of-month", "month", "day-of-week"};
  private static final String[] DAYS = {"MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"};
  private static final String[] MONTHS = {
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"
  };
  static final int[][] RANGES = {{0, 59}, {0, 23}, {1, 31}, {1, 12}, {0, 6}};
  private static final Pattern TOKEN = Pattern.compile("\\*|\\d+(-\\d+)?");
  private static final Pattern DIGITS = Pattern.compile("\\d+");
  private static final Pattern BLANKS = Pattern.compile("\\s+");
  private static final int SEARCH_DAYS = 366 * 8;

  private final String expression;
  private final ZoneId zone;

  /**
   * The values each field allows, one bit per value (every field's values are below 64): a schedule
   * is kept for every schedule loaded, so it holds five longs rather than five bit sets and its
   * fields' text.
   */
  private final long[] allowed;

  private final boolean domRestricted;
  private final boolean dowRestricted;

  private CronSchedule(String expression, ZoneId zone, long[] allowed) {
    this.expression = expression;
    this.zone = zone;
    this.allowed = allowed;
    // a field that allows every day is not restricted, however it is written: `*/1` and `1-31` as
    // `*` (found by review: `0 9 */1 * MON` fired every day, where Vixie cron fires on Mondays)
    this.domRestricted = allowed[2] != every(2);
    this.dowRestricted = allowed[4] != every(4);
  }

  /**
   * Parses an expression for a timezone (null or blank means {@value #DEFAULT_TIMEZONE}).
   *
   * @throws CronException naming {@code cron_expression} or {@code timezone} and the reason
   */
  public static CronSchedule parse(String expression, String timezone) {
    ZoneId zone = zone(timezone);
    if (expression == null || expression.isBlank()) {
      throw new CronException("cron_expression", "is required");
    }
    String[] parts = fields(expression);
    if (parts.length != 5) {
      throw new CronException(
          "cron_expression",
          "needs 5 fields (minute hour day-of-month month day-of-week), got " + parts.length);
    }
    long[] allowed = new long[5];
    for (int i = 0; i < 5; i++) {
      long[] bits = field(i, parts[i]).toLongArray();
      allowed[i] = bits.length == 0 ? 0 : bits[0];
    }
    return new CronSchedule(expression.trim(), zone, allowed);
  }

  /** An expression's fields, upper case, with day and month names as numbers. */
  private static String[] fields(String expression) {
    String[] parts = BLANKS.split(expression.trim().toUpperCase(Locale.ROOT));
    if (parts.length == 5) {
      parts[4] = names(parts[4], DAYS, 0);
      parts[3] = names(parts[3], MONTHS, 1);
    }
    return parts;
  }

  /** The mask of a field that allows every value of its range. */
  private static long every(int field) {
    return (-1L >>> (63 - RANGES[field][1])) & (-1L << RANGES[field][0]);
  }

  private static boolean allows(long mask, int value) {
    return (mask >>> value & 1L) != 0;
  }

  /** The lowest value allowed from {@code from} on, or -1. */
  private static int nextAllowed(long mask, int from) {
    long rest = from >= 64 ? 0 : mask & (-1L << from);
    return rest == 0 ? -1 : Long.numberOfTrailingZeros(rest);
  }

  /**
   * The zone for a timezone name.
   *
   * @throws CronException naming {@code timezone} when it is not an IANA zone
   */
  public static ZoneId zone(String timezone) {
    String name = timezone == null || timezone.isBlank() ? DEFAULT_TIMEZONE : timezone;
    try {
      return ZoneId.of(name);
    } catch (DateTimeException e) {
      throw new CronException("timezone", "'" + name + "' is not an IANA timezone");
    }
  }

  private static String names(String field, String[] names, int first) {
    String out = field;
    for (int i = 0; i < names.length; i++) {
      out = out.replace(names[i], Integer.toString(first + i));
    }
    return out;
  }

  private static BitSet field(int index, String field) {
    BitSet bits = new BitSet();
    int min = RANGES[index][0];
    int max = RANGES[index][1];
    for (String item : field.split(",", -1)) {
      String[] step = item.split("/", -1);
      if (step.length > 2
          || !TOKEN.matcher(step[0]).matches()
          || (step.length == 2 && !DIGITS.matcher(step[1]).matches())) {
        throw new CronException(
            "cron_expression",
            FIELDS[index] + " field '" + field + "' is not valid (use *, N, N,M, N-M, */N or N/M)");
      }
      int from = min;
      int to = max;
      if (!step[0].equals("*")) {
        String[] range = step[0].split("-");
        from = value(index, range[0]);
        to = range.length == 2 ? value(index, range[1]) : (step.length == 2 ? max : from);
        if (from > to) {
          throw new CronException(
              "cron_expression", FIELDS[index] + " range " + step[0] + " runs backwards");
        }
      }
      int by = 1;
      if (step.length == 2) {
        by = step[1].length() > 4 ? Integer.MAX_VALUE : Integer.parseInt(step[1]);
        if (by == 0 || by > max - min + 1) {
          throw new CronException(
              "cron_expression",
              FIELDS[index] + " step " + shown(step[1]) + " must be from 1 to " + (max - min + 1));
        }
      }
      for (int v = from; v <= to; v += by) {
        bits.set(v);
      }
    }
    return bits;
  }

  private static int value(int index, String text) {
    // more digits than any field takes is out of range too (and would not fit an int)
    int v = text.length() > 4 ? Integer.MAX_VALUE : Integer.parseInt(text);
    if (v < RANGES[index][0] || v > RANGES[index][1]) {
      throw new CronException(
          "cron_expression",
          FIELDS[index]
              + " value "
              + shown(text)
              + " is out of range "
              + RANGES[index][0]
              + "-"
              + RANGES[index][1]);
    }
    return v;
  }

  private static String shown(String text) {
    return text.length() > 12 ? text.substring(0, 12) + "…" : text;
  }

  /** Whether the schedule fires on this local date. */
  boolean matchesDay(LocalDate date) {
    if (!allows(allowed[3], date.getMonthValue())) {
      return false;
    }
    boolean dom = allows(allowed[2], date.getDayOfMonth());
    boolean dow = allows(allowed[4], date.getDayOfWeek().getValue() - 1);
    if (domRestricted && dowRestricted) {
      return dom || dow;
    }
    return dom && dow;
  }

  /** Whether the schedule fires at this wall-clock minute (its seconds are not looked at). */
  boolean matches(LocalDateTime local) {
    return matchesDay(local.toLocalDate())
        && allows(allowed[1], local.getHour())
        && allows(allowed[0], local.getMinute());
  }

  /** The first fire time strictly after {@code after}, if there is one within eight years. */
  public Optional<Instant> nextAfter(Instant after) {
    for (FireTime t : fireTimesAfter(after, 1, false)) {
      return Optional.of(t.instant());
    }
    return Optional.empty();
  }

  /** A wall-clock fire time and what DST did to it. */
  public record FireTime(LocalDateTime local, Instant instant, ZoneOffset offset, DstNote note) {}

  /** What a DST transition did to a fire time. */
  public enum DstNote {
    /** An ordinary fire time. */
    NONE,
    /** In the spring-forward gap: it does not fire that day ({@code instant} is null). */
    SKIPPED,
    /** In the fall-back overlap: fires once, at the first occurrence; the second is not fired. */
    DEDUPLICATED
  }

  /**
   * The next {@code count} fire times after {@code after}; with {@code withSkipped} the fire times
   * lost in a spring-forward gap are listed too (not counted).
   */
  public List<FireTime> fireTimesAfter(Instant after, int count, boolean withSkipped) {
    List<FireTime> out = new ArrayList<>();
    // no wall-clock time before this one fires after `after` (see earliestLocal): the walk starts
    // there, not at 00:00 the day before, which asked the zone's rules about 2,000 times a lookup
    // for an every-minute cron (found by review: 10,000 of them due at once took seconds to plan)
    LocalDateTime floor = earliestLocal(after);
    LocalDate day = floor.toLocalDate();
    int fires = 0;
    for (int d = 0; d < SEARCH_DAYS && fires < count; d++, day = day.plusDays(1)) {
      if (!matchesDay(day)) {
        continue;
      }
      int fromHour = d == 0 ? floor.getHour() : 0;
      for (int h = nextAllowed(allowed[1], fromHour);
          h >= 0 && fires < count;
          h = nextAllowed(allowed[1], h + 1)) {
        int fromMinute = d == 0 && h == floor.getHour() ? floor.getMinute() : 0;
        for (int m = nextAllowed(allowed[0], fromMinute);
            m >= 0 && fires < count;
            m = nextAllowed(allowed[0], m + 1)) {
          LocalDateTime local = LocalDateTime.of(day, LocalTime.of(h, m));
          List<ZoneOffset> offsets = zone.getRules().getValidOffsets(local);
          if (offsets.isEmpty()) {
            ZonedDateTime shifted = ZonedDateTime.ofLocal(local, zone, null);
            if (withSkipped && shifted.toInstant().isAfter(after)) {
              out.add(new FireTime(local, null, null, DstNote.SKIPPED));
            }
            continue;
          }
          ZoneOffset first = offsets.get(0);
          Instant instant = local.toInstant(first);
          if (!instant.isAfter(after)) {
            continue;
          }
          out.add(
              new FireTime(
                  local, instant, first, offsets.size() > 1 ? DstNote.DEDUPLICATED : DstNote.NONE));
          fires++;
        }
      }
    }
    return out;
  }

  /**
   * A wall-clock time no earlier than any whose fire time (or, for one in a spring-forward gap, its
   * shifted time) is after {@code after}: {@code after} at the lowest offset the zone has from
   * three days before it to three days after. A wall-clock time L fires at L less its offset, so
   * one that fires after {@code after} is later than {@code after} plus that offset; and one whose
   * offset falls outside those days fires more than three days after {@code after} (a wall-clock
   * time at least 18 hours, the largest offset, past it) or before it.
   */
  private LocalDateTime earliestLocal(Instant after) {
    ZoneRules rules = zone.getRules();
    Instant from = after.minus(Duration.ofDays(3));
    Instant to = after.plus(Duration.ofDays(3));
    ZoneOffset lowest = rules.getOffset(from);
    for (ZoneOffsetTransition t = rules.nextTransition(from);
        t != null && t.getInstant().isBefore(to);
        t = rules.nextTransition(t.getInstant())) {
      if (t.getOffsetAfter().getTotalSeconds() < lowest.getTotalSeconds()) {
        lowest = t.getOffsetAfter();
      }
    }
    return LocalDateTime.ofInstant(after, lowest);
  }

  /** A sentence saying when this fires, in words, e.g. "at 09:00 on Monday through Friday". */
  public String describe() {
    BitSet[] sets = new BitSet[5];
    for (int i = 0; i < 5; i++) {
      sets[i] = BitSet.valueOf(new long[] {allowed[i]});
    }
    return CronDescription.of(sets, zone);
  }

  public String expression() {
    return expression;
  }

  public ZoneId zone() {
    return zone;
  }

  /** Two schedules are equal when they have the same (trimmed) expression and zone. */
  @Override
  public boolean equals(Object o) {
    return o instanceof CronSchedule c && expression.equals(c.expression) && zone.equals(c.zone);
  }

  @Override
  public int hashCode() {
    return Objects.hash(expression, zone);
  }

  @Override
  public String toString() {
    return expression + " (" + zone + ")";
  }

  static String dayName(int isoIndex) {
    String n = DayOfWeek.of(isoIndex + 1).name();
    return n.charAt(0) + n.substring(1).toLowerCase(Locale.ROOT);
  }
}
