package io.jobline.cron;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The fire times a cron schedule gives, against the plainest reading of the rules: go minute by
 * minute through time, take each minute's wall-clock time in the zone, and fire at the first
 * instant that shows a wall-clock time the expression allows. (The lookup starts its walk at the
 * earliest wall-clock time that can fire, not at midnight the day before: found by review, an
 * every-minute cron cost about 2,000 asks of the zone's rules a lookup.)
 */
class CronNextTimesTest {
  private static final List<String> ZONES =
      List.of(
          "UTC",
          "Europe/Stockholm",
          "America/New_York",
          "America/Santiago", // (its spring gap is at midnight)
          "Australia/Lord_Howe", // (a 30-minute shift)
          "Pacific/Apia", // (skipped 2011-12-30 whole, from -10 to +14)
          "Asia/Kolkata",
          "Pacific/Kiritimati"); // (+14)

  private static final List<String> EXPRESSIONS =
      List.of(
          "* * * * *",
          "*/7 * * * *",
          "30 2 * * *",
          "0,30 1-3 * * *",
          "59 23 * * *",
          "0 0 * * *",
          "15 */5 * * 1-5",
          "45 0 * * 0");

  /** Instants near each zone's transitions in 2011 and 2026, and some at random. */
  private static List<Instant> instants(ZoneId zone, Random random) {
    List<Instant> out = new ArrayList<>();
    for (String year : List.of("2011-01-01T00:00:00Z", "2026-01-01T00:00:00Z")) {
      Instant t = Instant.parse(year);
      for (int i = 0; i < 3; i++) {
        var next = zone.getRules().nextTransition(t);
        if (next == null) {
          break;
        }
        for (long minutes : List.of(-1500L, -61L, -30L, -1L, 0L, 1L, 29L, 59L, 61L, 1441L)) {
          out.add(next.getInstant().plus(Duration.ofMinutes(minutes)).plusSeconds(17));
        }
        t = next.getInstant();
      }
    }
    for (int i = 0; i < 10; i++) {
      out.add(Instant.parse("2026-01-01T00:00:00Z").plusSeconds(random.nextInt(366 * 86_400)));
    }
    return out;
  }

  @Test
  void theNextFireTimesAreTheFirstInstantsShowingAnAllowedWallClockTime() {
    Random random = new Random(42);
    int compared = 0;
    for (String zoneName : ZONES) {
      ZoneId zone = ZoneId.of(zoneName);
      for (String expression : EXPRESSIONS) {
        CronSchedule cron = CronSchedule.parse(expression, zoneName);
        for (Instant after : instants(zone, random)) {
          List<Instant> got =
              cron.fireTimesAfter(after, 3, false).stream()
                  .map(CronSchedule.FireTime::instant)
                  .toList();
          assertThat(got)
              .as("%s in %s after %s", expression, zoneName, after)
              .isEqualTo(walked(cron, zone, after, 3));
          assertThat(cron.nextAfter(after)).contains(got.get(0));
          compared++;
        }
      }
    }
    assertThat(compared).isGreaterThan(2500);
  }

  @Test
  void aTimeTheSpringGapSkippedWhoseShiftedTimeIsStillToComeIsListedSkipped() {
    // 02:30 on 2026-03-29 never shows in Stockholm (02:00 CET became 03:00 CEST at 01:00 UTC);
    // shifted, it would be 03:30 CEST, 20 minutes after 03:10 CEST
    CronSchedule cron = CronSchedule.parse("30 2 * * *", "Europe/Stockholm");
    List<CronSchedule.FireTime> times =
        cron.fireTimesAfter(Instant.parse("2026-03-29T01:10:00Z"), 1, true);

    assertThat(times.get(0).note()).isEqualTo(CronSchedule.DstNote.SKIPPED);
    assertThat(times.get(0).local()).isEqualTo(LocalDateTime.parse("2026-03-29T02:30"));
    assertThat(times.get(1).instant()).isEqualTo(Instant.parse("2026-03-30T00:30:00Z"));
  }

  /** The first {@code count} fire times after {@code after}, found minute by minute. */
  private static List<Instant> walked(CronSchedule cron, ZoneId zone, Instant after, int count) {
    List<Instant> out = new ArrayList<>();
    Set<LocalDateTime> shown = new HashSet<>();
    // from two days back: a wall-clock time shown then and again after `after` (a fall-back
    // overlap) fired the first time it was shown
    Instant t = after.truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofDays(2));
    Instant end = after.plus(Duration.ofDays(30));
    for (; out.size() < count && t.isBefore(end); t = t.plus(Duration.ofMinutes(1))) {
      LocalDateTime local = LocalDateTime.ofInstant(t, zone);
      if (cron.matches(local) && shown.add(local) && t.isAfter(after)) {
        out.add(t);
      }
    }
    return out;
  }
}
