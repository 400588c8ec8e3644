package io.jobline.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jobline.cron.CronException;
import io.jobline.cron.CronSchedule;
import io.jobline.run.RunStatus;
import io.jobline.wire.Json;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ScheduleTriggerTest {
  private static final Instant T0 = Instant.parse("2026-03-04T10:07:30Z");

  private static Schedule read(String json) throws Exception {
    return Json.mapper().readValue(json, Schedule.class);
  }

  @Test
  void aCronScheduleIsReadAsItsParsedExpression() throws Exception {
    Schedule s =
        read("{\"job_name\":\"c\",\"cron_expression\":\"*/15 * * * *\",\"timezone\":\"UTC\"}");

    assertThat(s.trigger())
        .isEqualTo(new ScheduleTrigger.Cron(CronSchedule.parse("*/15 * * * *", "UTC")));
    assertThat(s.trigger().nextAfter(T0)).contains(Instant.parse("2026-03-04T10:15:00Z"));
    assertThat(Triggers.nextAfter(s, T0)).contains(Instant.parse("2026-03-04T10:15:00Z"));
  }

  @Test
  void anIntervalCountsFromItsAnchorOrFromWhenItIsAsked() throws Exception {
    Schedule anchored =
        read(
            "{\"job_name\":\"i\",\"trigger_type\":\"interval\",\"interval_seconds\":60,"
                + "\"run_at\":\"2026-03-04T10:00:10Z\"}");
    Schedule free =
        read("{\"job_name\":\"i\",\"trigger_type\":\"interval\",\"interval_seconds\":60}");

    assertThat(anchored.trigger())
        .isEqualTo(
            new ScheduleTrigger.Every(
                Duration.ofSeconds(60), Instant.parse("2026-03-04T10:00:10Z")));
    assertThat(anchored.trigger().nextAfter(T0)).contains(Instant.parse("2026-03-04T10:08:10Z"));
    assertThat(anchored.trigger().nextAfter(Instant.parse("2026-03-04T09:00:00Z")))
        .contains(Instant.parse("2026-03-04T10:00:10Z"));
    assertThat(free.trigger().nextAfter(T0)).contains(T0.plusSeconds(60));
  }

  @Test
  void aOnceTriggerFiresOnlyBeforeItsTime() throws Exception {
    Schedule s =
        read("{\"job_name\":\"o\",\"trigger_type\":\"once\",\"run_at\":\"2026-03-04T12:00:00Z\"}");

    assertThat(s.trigger())
        .isEqualTo(new ScheduleTrigger.Once(Instant.parse("2026-03-04T12:00:00Z")));
    assertThat(s.trigger().nextAfter(T0)).contains(Instant.parse("2026-03-04T12:00:00Z"));
    assertThat(s.trigger().nextAfter(Instant.parse("2026-03-04T12:00:00Z"))).isEmpty();
  }

  @Test
  void brokenTriggerFieldsStillReadAndNameTheFieldWhenAskedForAFireTime() throws Exception {
    Schedule cron = read("{\"job_name\":\"b\",\"cron_expression\":\"61 * * * *\"}");
    Schedule zone =
        read(
            "{\"job_name\":\"b\",\"cron_expression\":\"* * * * *\",\"timezone\":\"Mars/Olympus\"}");
    Schedule interval =
        read("{\"job_name\":\"b\",\"trigger_type\":\"interval\",\"interval_seconds\":0}");
    Schedule once = read("{\"job_name\":\"b\",\"trigger_type\":\"once\"}");

    assertThat(cron.trigger()).isInstanceOf(ScheduleTrigger.Invalid.class);
    assertThatThrownBy(() -> cron.trigger().nextAfter(T0))
        .isInstanceOf(CronException.class)
        .hasMessage("cron_expression: minute value 61 is out of range 0-59");
    assertThatThrownBy(() -> Triggers.validate(cron))
        .isInstanceOf(CronException.class)
        .hasMessage("cron_expression: minute value 61 is out of range 0-59");
    assertThatThrownBy(() -> Triggers.nextAfter(zone, T0))
        .isInstanceOf(CronException.class)
        .hasMessage("timezone: 'Mars/Olympus' is not an IANA timezone");
    assertThatThrownBy(() -> Triggers.validate(interval))
        .isInstanceOf(CronException.class)
        .hasMessage("interval_seconds: an interval trigger needs interval_seconds >= 1");
    assertThatThrownBy(() -> interval.trigger().nextAfter(T0))
        .isInstanceOf(CronException.class)
        .extracting(e -> ((CronException) e).field())
        .isEqualTo("interval_seconds");
    assertThatThrownBy(() -> Triggers.validate(once))
        .isInstanceOf(CronException.class)
        .hasMessage("run_at: a once trigger needs run_at (an ISO-8601 instant)");
  }

  @Test
  void aValidTriggerWithABadTimezoneFailsValidationOnTheTimezone() throws Exception {
    Schedule s =
        read(
            "{\"job_name\":\"i\",\"trigger_type\":\"interval\",\"interval_seconds\":60,"
                + "\"timezone\":\"Mars/Olympus\"}");

    assertThat(s.trigger()).isInstanceOf(ScheduleTrigger.Every.class);
    assertThatThrownBy(() -> Triggers.validate(s))
        .isInstanceOf(CronException.class)
        .hasMessage("timezone: 'Mars/Olympus' is not an IANA timezone");
  }

  @Test
  void twoSchedulesReadFromTheSameJsonAreEqual() throws Exception {
    String json =
        "{\"job_name\":\"e\",\"cron_expression\":\"0 9 * * 1-5\",\"timezone\":\"Europe/Stockholm\","
            + "\"parameters\":{\"a\":1}}";
    String broken = "{\"job_name\":\"e\",\"cron_expression\":\"nonsense\"}";

    assertThat(read(json)).isEqualTo(read(json)).hasSameHashCodeAs(read(json));
    assertThat(read(broken)).isEqualTo(read(broken)).hasSameHashCodeAs(read(broken));
    assertThat(read(json)).isNotEqualTo(read(json.replace("0 9", "0 10")));
  }

  @Test
  void theTriggerIsNotWrittenAndFollowsTheFieldsItIsReadFrom() throws Exception {
    Schedule s =
        read("{\"job_name\":\"w\",\"cron_expression\":\"0 9 * * *\",\"timezone\":\"UTC\"}");

    assertThat(Json.mapper().valueToTree(s).has("trigger")).isFalse();
    Schedule fired = s.fired(T0, "r1", RunStatus.QUEUED, T0, T0.plusSeconds(60));
    assertThat(fired.trigger()).isSameAs(s.trigger());
    Schedule merged = s.merge(Json.mapper().readTree("{\"cron_expression\":\"0 10 * * *\"}"));
    assertThat(merged.trigger())
        .isEqualTo(new ScheduleTrigger.Cron(CronSchedule.parse("0 10 * * *", "UTC")));
    Schedule sneaky =
        read(
            "{\"job_name\":\"w\",\"cron_expression\":\"0 9 * * *\",\"timezone\":\"UTC\","
                + "\"trigger\":{\"at\":\"2026-03-04T12:00:00Z\"}}");
    assertThat(sneaky).isEqualTo(s);
  }

  @Test
  void aTriggerPassedInIsKeptOnlyIfTheSameFieldsMakeIt() {
    ScheduleTrigger nine = ScheduleTrigger.of(null, "0 9 * * *", null, null, null);
    ScheduleTrigger every = ScheduleTrigger.of(TriggerKind.INTERVAL, null, null, 60, T0);

    assertThat(ScheduleTrigger.of(TriggerKind.CRON, " 0 9 * * * ", "", null, null, nine))
        .isSameAs(nine);
    assertThat(ScheduleTrigger.of(TriggerKind.CRON, "0 10 * * *", null, null, null, nine))
        .isEqualTo(new ScheduleTrigger.Cron(CronSchedule.parse("0 10 * * *", null)));
    assertThat(ScheduleTrigger.of(TriggerKind.CRON, "0 9 * * *", "UTC", null, null, nine))
        .isEqualTo(new ScheduleTrigger.Cron(CronSchedule.parse("0 9 * * *", "UTC")));
    assertThat(ScheduleTrigger.of(TriggerKind.INTERVAL, null, null, 60, T0, every)).isSameAs(every);
    assertThat(ScheduleTrigger.of(TriggerKind.INTERVAL, null, null, 0, T0, every))
        .isInstanceOf(ScheduleTrigger.Invalid.class);
    assertThat(ScheduleTrigger.of(TriggerKind.ONCE, null, null, 60, T0, every))
        .isEqualTo(new ScheduleTrigger.Once(T0));
  }

  @Test
  void theLastFireTimesOfALongSpanAreFoundWithoutSteppingThroughAllOfThem() throws Exception {
    // found by review: counting every fire time of 30 days of a one-second interval (2.6 million)
    // at every plan held the scheduler's loop
    Schedule everySecond =
        read(
            "{\"job_name\":\"i\",\"trigger_type\":\"interval\",\"interval_seconds\":1,"
                + "\"run_at\":\"2026-03-04T10:07:30Z\"}");
    Instant until = T0.plus(Duration.ofDays(30));
    Triggers.Due due = Triggers.lastBetween(everySecond, T0, until, 1000);
    assertThat(due.estimated()).as("an interval's times are counted exactly").isFalse();
    assertThat(due.last()).hasSize(1000);
    assertThat(due.last().get(999)).isEqualTo(until);
    assertThat(due.last().get(0)).isEqualTo(until.minusSeconds(999));
    assertThat(due.total()).isEqualTo(2_592_001L);

    // found by review of the jump: a cron with no time after the point it jumped to (January
    // only, after years down) kept nothing, and the schedule never moved on
    Schedule january =
        read("{\"job_name\":\"j\",\"cron_expression\":\"* * * 1 *\",\"timezone\":\"UTC\"}");
    Instant jan = Instant.parse("2027-01-01T00:00:00Z");
    Triggers.Due sparse =
        Triggers.lastBetween(january, jan, Instant.parse("2030-06-01T00:00:00Z"), 1000);
    assertThat(sparse.estimated()).isTrue();
    assertThat(sparse.last()).hasSize(1000);
    assertThat(sparse.total()).isGreaterThan(Triggers.MAX_STEPPED);

    Schedule everyMinute =
        read("{\"job_name\":\"c\",\"cron_expression\":\"*/1 * * * *\",\"timezone\":\"UTC\"}");
    Instant first = Instant.parse("2026-03-04T10:08:00Z");
    Triggers.Due twoDays =
        Triggers.lastBetween(everyMinute, first, first.plus(Duration.ofDays(2)), 1000);
    assertThat(twoDays.estimated()).isFalse();
    assertThat(twoDays.total()).isEqualTo(2881);
    assertThat(twoDays.earlier()).isEqualTo(1881);
    assertThat(twoDays.last().get(999)).isEqualTo(first.plus(Duration.ofDays(2)));
  }
}
