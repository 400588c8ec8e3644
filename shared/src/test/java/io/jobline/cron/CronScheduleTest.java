package io.jobline.cron;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CronScheduleTest {
  private static final ZoneId STOCKHOLM = ZoneId.of("Europe/Stockholm");
  // Wednesday 2026-03-04 10:07 local time
  private static final Instant FROM =
      ZonedDateTime.of(2026, 3, 4, 10, 7, 0, 0, STOCKHOLM).toInstant();

  private static ZonedDateTime next(String expr) {
    return CronSchedule.parse(expr, "Europe/Stockholm")
        .nextAfter(FROM)
        .orElseThrow()
        .atZone(STOCKHOLM);
  }

  @Test
  void everyMinuteFiresAtTheNextMinuteBoundary() {
    assertThat(next("*/1 * * * *")).isEqualTo(ZonedDateTime.of(2026, 3, 4, 10, 8, 0, 0, STOCKHOLM));
  }

  @Test
  void dayOfWeekZeroIsMonday() {
    assertThat(next("0 9 * * 0").getDayOfWeek()).isEqualTo(DayOfWeek.MONDAY);
    assertThat(next("0 9 * * 6").getDayOfWeek()).isEqualTo(DayOfWeek.SUNDAY);
    assertThat(next("0 9 * * MON").getDayOfWeek()).isEqualTo(DayOfWeek.MONDAY);
  }

  @Test
  void weekdaysAreZeroToFour() {
    ZonedDateTime fri = next("0 9 * * 4");
    assertThat(fri.getDayOfWeek()).isEqualTo(DayOfWeek.FRIDAY);
    assertThat(next("30 10 * * 0-4"))
        .isEqualTo(ZonedDateTime.of(2026, 3, 4, 10, 30, 0, 0, STOCKHOLM));
  }

  @Test
  void stepStartingAtNCountsFromN() {
    assertThat(next("5/20 * * * *"))
        .isEqualTo(ZonedDateTime.of(2026, 3, 4, 10, 25, 0, 0, STOCKHOLM));
  }

  @Test
  void monthNamesAreAccepted() {
    assertThat(next("0 0 1 JAN *")).isEqualTo(ZonedDateTime.of(2027, 1, 1, 0, 0, 0, 0, STOCKHOLM));
  }

  @Test
  void restrictedDayOfMonthAndDayOfWeekMatchEither() {
    // the 10th, or any Monday: from Wed 4 March the next is Monday 9 March
    assertThat(next("0 0 10 * 0")).isEqualTo(ZonedDateTime.of(2026, 3, 9, 0, 0, 0, 0, STOCKHOLM));
  }

  @Test
  void aDayFieldThatAllowsEveryDayIsNotRestrictedHoweverItIsWritten() {
    // found by review: `*/1` counted as restricted, so with a day-of-week every day matched
    ZonedDateTime monday = ZonedDateTime.of(2026, 3, 9, 0, 0, 0, 0, STOCKHOLM);
    for (String dom : new String[] {"*", "*/1", "1-31", "1/1"}) {
      assertThat(next("0 0 " + dom + " * MON")).as(dom).isEqualTo(monday);
    }
    // and every day of the week alike: the 10th only
    ZonedDateTime tenth = ZonedDateTime.of(2026, 3, 10, 0, 0, 0, 0, STOCKHOLM);
    for (String dow : new String[] {"*", "*/1", "0-6", "MON-SUN"}) {
      assertThat(next("0 0 10 * " + dow)).as(dow).isEqualTo(tenth);
    }
    assertThat(CronSchedule.parse("0 9 */1 * MON", "UTC").describe())
        .isEqualTo(CronSchedule.parse("0 9 * * MON", "UTC").describe());
    // a step that leaves days out is restricted: the 5th, 7th, 9th … or a Monday
    assertThat(next("0 0 */2 * MON"))
        .isEqualTo(ZonedDateTime.of(2026, 3, 5, 0, 0, 0, 0, STOCKHOLM));
  }

  @Test
  void rejectsAWrongFieldCountAndOutOfRangeValuesNamingTheField() {
    assertThatThrownBy(() -> CronSchedule.parse("* * * *", null))
        .isInstanceOf(CronException.class)
        .hasMessageContaining("needs 5 fields");
    assertThatThrownBy(() -> CronSchedule.parse("61 * * * *", null))
        .hasMessageContaining("minute value 61 is out of range 0-59");
    assertThatThrownBy(() -> CronSchedule.parse("* * * * 7", null))
        .hasMessageContaining("day-of-week value 7");
    assertThatThrownBy(() -> CronSchedule.parse("* * * * *", "Mars/Olympus"))
        .isInstanceOfSatisfying(
            CronException.class, e -> assertThat(e.field()).isEqualTo("timezone"));
  }

  // 2026-03-04 is a Wednesday. Rows: expression, what it means, next fire from 10:07 local.
  @ParameterizedTest(name = "{0} -> {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "* * * * *      | every minute                     | 2026-03-04T10:08",
        "*/5 * * * *    | every five minutes               | 2026-03-04T10:10",
        "0 * * * *      | every hour on the hour           | 2026-03-04T11:00",
        "0 0 * * *      | every day at midnight            | 2026-03-05T00:00",
        "0 9 * * 0-4    | weekdays at 09:00 (Mon-Fri)      | 2026-03-05T09:00",
        "0 9 * * 5,6    | weekends at 09:00 (Sat, Sun)     | 2026-03-07T09:00",
        "0 0 * * 0      | Mondays at midnight              | 2026-03-09T00:00",
        "0 0 * * 6      | Sundays at midnight              | 2026-03-08T00:00",
        "30 2 * * 6     | Sundays at 02:30                 | 2026-03-08T02:30",
        "0 0 1 * *      | first of the month               | 2026-04-01T00:00",
        "0 0 1 1 *      | new year                         | 2027-01-01T00:00",
        "0 9-17 * * 0-4 | office hours, hourly             | 2026-03-04T11:00",
        "*/15 9-17 * * 0-4 | office hours, quarter-hourly  | 2026-03-04T10:15",
        "0 12 15 * *    | the 15th at noon                 | 2026-03-15T12:00",
        "0 6 * 6-8 *    | summer mornings                  | 2026-06-01T06:00",
        "0 8 * * 1-5    | Tue-Sat at 08:00 (ISO 1-5)       | 2026-03-05T08:00",
        "10/20 * * * *  | minute 10, 30, 50                | 2026-03-04T10:10",
        "0 0/6 * * *    | every 6 hours from midnight      | 2026-03-04T12:00",
        "0 3/6 * * *    | 03, 09, 15, 21                   | 2026-03-04T15:00",
        "0 0 1-7 * 0    | day 1-7 or any Monday            | 2026-03-05T00:00",
        "0 0 10 * 0     | the 10th or any Monday           | 2026-03-09T00:00"
      })
  void commonExpressionsFollowTheIsoRule(String expr, String meaning, String expected) {
    assertThat(next(expr.trim()).toLocalDateTime())
        .as(meaning)
        .isEqualTo(LocalDateTime.parse(expected.trim()));
  }

  @Test
  void springForwardSkipsAFireTimeInTheGapThatDayInStockholm() {
    // 2026-03-29: clocks go 02:00 -> 03:00 in Stockholm
    CronSchedule cron = CronSchedule.parse("30 2 * * *", "Europe/Stockholm");
    Instant from = ZonedDateTime.of(2026, 3, 28, 12, 0, 0, 0, STOCKHOLM).toInstant();
    var times = cron.fireTimesAfter(from, 2, true);
    assertThat(times.get(0).local()).isEqualTo(LocalDateTime.of(2026, 3, 29, 2, 30));
    assertThat(times.get(0).note()).isEqualTo(CronSchedule.DstNote.SKIPPED);
    assertThat(times.get(0).instant()).isNull();
    assertThat(cron.nextAfter(from).orElseThrow().atZone(STOCKHOLM).toLocalDateTime())
        .isEqualTo(LocalDateTime.of(2026, 3, 30, 2, 30));
  }

  @Test
  void fallBackFiresAFireTimeInTheOverlapOnceInStockholm() {
    // 2026-10-25: clocks go 03:00 -> 02:00; 02:30 happens twice
    CronSchedule cron = CronSchedule.parse("30 2 * * *", "Europe/Stockholm");
    Instant from = ZonedDateTime.of(2026, 10, 24, 12, 0, 0, 0, STOCKHOLM).toInstant();
    var times = cron.fireTimesAfter(from, 2, false);
    assertThat(times.get(0).instant()).isEqualTo(Instant.parse("2026-10-25T00:30:00Z"));
    assertThat(times.get(0).note()).isEqualTo(CronSchedule.DstNote.DEDUPLICATED);
    assertThat(times.get(1).instant()).isEqualTo(Instant.parse("2026-10-26T01:30:00Z"));
    // after the first 02:30, the second 02:30 (01:30 UTC) does not fire
    assertThat(cron.nextAfter(Instant.parse("2026-10-25T00:30:00Z")))
        .contains(Instant.parse("2026-10-26T01:30:00Z"));
  }

  @Test
  void everyQuarterHourAcrossTheFallBackHourFiresEachWallClockTimeOnce() {
    CronSchedule cron = CronSchedule.parse("*/15 * * * *", "Europe/Stockholm");
    Instant from = Instant.parse("2026-10-24T23:50:00Z"); // 01:50 CEST
    var times =
        cron.fireTimesAfter(from, 6, false).stream().map(CronSchedule.FireTime::instant).toList();
    assertThat(times)
        .containsExactly(
            Instant.parse("2026-10-25T00:00:00Z"), Instant.parse("2026-10-25T00:15:00Z"),
            Instant.parse("2026-10-25T00:30:00Z"), Instant.parse("2026-10-25T00:45:00Z"),
            Instant.parse("2026-10-25T02:00:00Z"), Instant.parse("2026-10-25T02:15:00Z"));
  }

  @Test
  void newYorkSpringForwardAndFallBack() {
    ZoneId ny = ZoneId.of("America/New_York");
    CronSchedule cron = CronSchedule.parse("30 2 * * *", "America/New_York");
    // 2026-03-08: 02:00 -> 03:00, so 02:30 is skipped that day
    assertThat(
            cron.nextAfter(ZonedDateTime.of(2026, 3, 7, 12, 0, 0, 0, ny).toInstant()).orElseThrow())
        .isEqualTo(ZonedDateTime.of(2026, 3, 9, 2, 30, 0, 0, ny).toInstant());
    // 2026-11-01: 02:00 -> 01:00; 01:30 happens twice and fires once (EDT, 05:30 UTC)
    CronSchedule onePm = CronSchedule.parse("30 1 * * *", "America/New_York");
    Instant from = ZonedDateTime.of(2026, 10, 31, 12, 0, 0, 0, ny).toInstant();
    var times = onePm.fireTimesAfter(from, 2, false);
    assertThat(times.get(0).instant()).isEqualTo(Instant.parse("2026-11-01T05:30:00Z"));
    assertThat(times.get(1).instant()).isEqualTo(Instant.parse("2026-11-02T06:30:00Z"));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "60 * * * *  | minute value 60 is out of range 0-59",
        "* 24 * * *  | hour value 24 is out of range 0-23",
        "* * 0 * *   | day-of-month value 0 is out of range 1-31",
        "* * * 13 *  | month value 13 is out of range 1-12",
        "* * * * 7   | day-of-week value 7 is out of range 0-6",
        "*/0 * * * * | minute step 0 must be from 1 to 60",
        "*/2147483648 * * * * | minute step 2147483648 must be from 1 to 60",
        "0-99999999999 * * * * | minute value 99999999999 is out of range 0-59",
        "5-1 * * * * | minute range 5-1 runs backwards",
        "* x * * *   | hour field 'X' is not valid",
        "* * * * MON-FRI-SAT | day-of-week field"
      })
  void anInvalidFieldIsRejectedNamingIt(String expr, String message) {
    assertThatThrownBy(() -> CronSchedule.parse(expr.trim(), null))
        .isInstanceOf(CronException.class)
        .hasMessageContaining(message.trim());
  }

  @Test
  void theDescriptionSaysWhatTheDaysMean() {
    assertThat(CronSchedule.parse("0 9 * * 1-5", null).describe())
        .isEqualTo(
            "At 09:00, on Tuesday through Saturday (Europe/Stockholm time; day-of-week 0 = Monday … 6 = Sunday)");
    assertThat(CronSchedule.parse("*/1 * * * *", "UTC").describe()).startsWith("Every minute");
    assertThat(CronSchedule.parse("0 0 1 1 *", "UTC").describe())
        .contains("on day 1 of the month")
        .contains("in January");
  }
}
