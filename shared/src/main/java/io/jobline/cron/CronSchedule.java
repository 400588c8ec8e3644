package io.jobline.cron;

import com.cronutils.model.Cron;
import com.cronutils.model.definition.CronDefinition;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A 5-field cron expression in Jobline's dialect, evaluated in an IANA timezone.
 * Fields: minute hour day-of-month month day-of-week; day-of-week is ISO, 0 = Monday … 6 = Sunday;
 * names MON..SUN and JAN..DEC are accepted.
 */
public final class CronSchedule {
  public static final String DEFAULT_TIMEZONE = "Europe/Stockholm";
  private static final String[] FIELDS = {"minute", "hour", "day-of-month", "month", "day-of-week"};
  private static final String[] DAYS = {"MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"};
  private static final String[] MONTHS =
      {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
  private static final int[][] RANGES = {{0, 59}, {0, 23}, {1, 31}, {1, 12}, {0, 6}};
  private static final Pattern TOKEN = Pattern.compile("\\*|\\d+(-\\d+)?");
  private static final CronDefinition DIALECT = CronDefinitionBuilder.defineCron()
      .withMinutes().withValidRange(0, 59).and()
      .withHours().withValidRange(0, 23).and()
      .withDayOfMonth().withValidRange(1, 31).and()
      .withMonth().withValidRange(1, 12).and()
      .withDayOfWeek().withValidRange(0, 6).withMondayDoWValue(0).and()
      .instance();
  private static final CronParser PARSER = new CronParser(DIALECT);

  private final String expression;
  private final ZoneId zone;
  private final ExecutionTime execution;

  private CronSchedule(String expression, ZoneId zone, ExecutionTime execution) {
    this.expression = expression;
    this.zone = zone;
    this.execution = execution;
  }

  /**
   * Parses an expression for a timezone.
   *
   * @throws CronException naming {@code cron_expression} or {@code timezone} and the reason
   */
  public static CronSchedule parse(String expression, String timezone) {
    ZoneId zone = zone(timezone);
    if (expression == null || expression.isBlank()) {
      throw new CronException("cron_expression", "is required");
    }
    String[] parts = expression.trim().toUpperCase(Locale.ROOT).split("\\s+");
    if (parts.length != 5) {
      throw new CronException("cron_expression",
          "needs 5 fields (minute hour day-of-month month day-of-week), got " + parts.length);
    }
    parts[4] = names(parts[4], DAYS, 0);
    parts[3] = names(parts[3], MONTHS, 1);
    for (int i = 0; i < 5; i++) {
      check(i, parts[i]);
    }
    try {
      Cron cron = PARSER.parse(String.join(" ", parts)).validate();
      return new CronSchedule(expression.trim(), zone, ExecutionTime.forCron(cron));
    } catch (IllegalArgumentException e) {
      throw new CronException("cron_expression", e.getMessage());
    }
  }

  static ZoneId zone(String timezone) {
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

  private static void check(int index, String field) {
    for (String item : field.split(",", -1)) {
      String[] step = item.split("/", -1);
      if (step.length > 2 || !TOKEN.matcher(step[0]).matches()
          || (step.length == 2 && !step[1].matches("\\d+") )) {
        throw new CronException("cron_expression",
            FIELDS[index] + " field '" + field + "' is not valid (use *, N, N,M, N-M, */N or N/M)");
      }
      if (step.length == 2 && Integer.parseInt(step[1]) == 0) {
        throw new CronException("cron_expression", FIELDS[index] + " step must be at least 1");
      }
      if (!step[0].equals("*")) {
        for (String n : step[0].split("-")) {
          int v = Integer.parseInt(n);
          if (v < RANGES[index][0] || v > RANGES[index][1]) {
            throw new CronException("cron_expression", FIELDS[index] + " value " + v
                + " is out of range " + RANGES[index][0] + "-" + RANGES[index][1]);
          }
        }
      }
    }
  }

  /** The first fire time strictly after {@code after}, if there is one. */
  public Optional<Instant> nextAfter(Instant after) {
    return execution.nextExecution(ZonedDateTime.ofInstant(after, zone)).map(ZonedDateTime::toInstant);
  }

  public String expression() {
    return expression;
  }

  public ZoneId zone() {
    return zone;
  }
}
