package io.jobline.cron;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

class CronScheduleTest {
  private static final ZoneId STOCKHOLM = ZoneId.of("Europe/Stockholm");
  // Wednesday 2026-03-04 10:07 local time
  private static final Instant FROM = ZonedDateTime.of(2026, 3, 4, 10, 7, 0, 0, STOCKHOLM).toInstant();

  private static ZonedDateTime next(String expr) {
    return CronSchedule.parse(expr, "Europe/Stockholm").nextAfter(FROM).orElseThrow().atZone(STOCKHOLM);
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
    assertThat(next("30 10 * * 0-4")).isEqualTo(ZonedDateTime.of(2026, 3, 4, 10, 30, 0, 0, STOCKHOLM));
  }

  @Test
  void stepStartingAtNCountsFromN() {
    assertThat(next("5/20 * * * *")).isEqualTo(ZonedDateTime.of(2026, 3, 4, 10, 25, 0, 0, STOCKHOLM));
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
  void rejectsAWrongFieldCountAndOutOfRangeValuesNamingTheField() {
    assertThatThrownBy(() -> CronSchedule.parse("* * * *", null))
        .isInstanceOf(CronException.class).hasMessageContaining("needs 5 fields");
    assertThatThrownBy(() -> CronSchedule.parse("61 * * * *", null))
        .hasMessageContaining("minute value 61 is out of range 0-59");
    assertThatThrownBy(() -> CronSchedule.parse("* * * * 7", null))
        .hasMessageContaining("day-of-week value 7");
    assertThatThrownBy(() -> CronSchedule.parse("* * * * *", "Mars/Olympus"))
        .isInstanceOfSatisfying(CronException.class, e -> assertThat(e.field()).isEqualTo("timezone"));
  }
}
