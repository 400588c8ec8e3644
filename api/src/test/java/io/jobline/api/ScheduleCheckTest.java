package io.jobline.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.run.RunStatus;
import io.jobline.schedule.Schedule;
import io.jobline.store.InMemoryRunStore;
import io.jobline.store.InMemoryScheduleStore;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScheduleCheckTest {
  private static final Instant NOW = Instant.parse("2026-03-04T10:07:20Z");

  private static Schedule schedule(String json) throws Exception {
    return Json.mapper().readValue(json, Schedule.class);
  }

  @Test
  void aScheduleWhoseNextFireTimeWasFiredAlreadyIsNotFiredAgain() throws Exception {
    // found by review: a change planned as the schedule fired keeps the time that fire took as its
    // next (the scheduler plans it again as it reads it); the check fired it a second time
    InMemoryScheduleStore store = new InMemoryScheduleStore();
    Instant fired = Instant.parse("2026-03-04T10:05:00Z");
    store.save(
        schedule(
                "{\"job_name\":\"changed\",\"job_type\":\"noop\","
                    + "\"cron_expression\":\"*/5 * * * *\",\"timezone\":\"UTC\"}")
            .fired(
                fired.plusMillis(10),
                RunId.forSchedule("changed", fired).value(),
                RunStatus.QUEUED,
                fired,
                fired));
    List<String> sent = check(store);

    assertThat(sent).isEmpty();
    assertThat(store.find("changed").orElseThrow().nextRunAt())
        .as("planned again from its last fire")
        .isEqualTo(Instant.parse("2026-03-04T10:10:00Z"));
  }

  @Test
  void aTimeAnOlderSchedulerFiredPastTheFireTimeKeptIsNotFiredAgain() throws Exception {
    // found by review: a scheduler of a version before last_fire_through (during an upgrade)
    // records its fires without it, leaving an earlier fire's; with a change saved as its fire went
    // out, the time it fired stayed the next, after the time kept, and was fired again
    InMemoryScheduleStore store = new InMemoryScheduleStore();
    Instant fired = Instant.parse("2026-03-04T10:05:00Z");
    store.save(
        schedule(
                "{\"job_name\":\"upgraded\",\"job_type\":\"noop\","
                    + "\"cron_expression\":\"*/5 * * * *\",\"timezone\":\"UTC\"}")
            .fired(
                fired.plusMillis(10),
                RunId.forSchedule("upgraded", fired).value(),
                RunStatus.QUEUED,
                fired.minusSeconds(300),
                fired));
    List<String> sent = check(store);

    assertThat(sent).isEmpty();
    assertThat(store.find("upgraded").orElseThrow().nextRunAt())
        .isEqualTo(Instant.parse("2026-03-04T10:10:00Z"));
  }

  @Test
  void aFireTimeHeldByAJitterThatWasThenLoweredIsFired() throws Exception {
    // found by review: the time after the last run, held by a long jitter, was due before the last
    // fire once the jitter was lowered, and the check took it for fired and planned past it
    InMemoryScheduleStore store = new InMemoryScheduleStore();
    Instant held = Instant.parse("2026-03-04T10:05:00Z");
    Instant before = Instant.parse("2026-03-04T10:00:00Z");
    store.save(
        schedule(
                "{\"job_name\":\"lowered\",\"job_type\":\"noop\","
                    + "\"cron_expression\":\"*/5 * * * *\",\"timezone\":\"UTC\","
                    + "\"misfire_grace_seconds\":3600,\"overlap\":\"allow\"}")
            .fired(
                before.plusSeconds(360), // 10:00's fire, held 6 minutes by the jitter it had
                RunId.forSchedule("lowered", before).value(),
                RunStatus.QUEUED,
                before,
                held));
    List<String> sent = check(store);

    assertThat(sent).containsExactly("lowered " + held);
    assertThat(store.find("lowered").orElseThrow().nextRunAt())
        .isEqualTo(Instant.parse("2026-03-04T10:10:00Z"));
  }

  /**
   * Runs the check on {@code store}: what it sent, as "schedule nominal-time" or "missed run-id".
   */
  private static List<String> check(InMemoryScheduleStore store) {
    List<String> sent = new ArrayList<>();
    new ScheduleCheck(
            store,
            new InMemoryRunStore(Clock.systemUTC()),
            new ScheduleCheck.Output() {
              @Override
              public void request(Schedule s, JobRequest request) {
                sent.add(s.jobName() + " " + request.trigger().nominalTime());
              }

              @Override
              public void missed(RunEvent event) {
                sent.add("missed " + s(event));
              }
            },
            Clock.fixed(NOW, ZoneOffset.UTC))
        .run();
    return sent;
  }

  private static String s(RunEvent event) {
    return event.runId().value();
  }

  @Test
  void aScheduleWhoseTriggerCannotBeReadFailsOnlyItself() throws Exception {
    // found by review: its error failed the whole check, every time, and no schedule after it
    // fired (nor were the fires before it recorded)
    InMemoryScheduleStore store = new InMemoryScheduleStore();
    store.save(
        schedule(
                "{\"job_name\":\"a-broken\",\"job_type\":\"noop\",\"cron_expression\":\"99 * * * *\","
                    + "\"timezone\":\"UTC\"}")
            .withNextRunAt(NOW.minusSeconds(10)));
    store.save(
        schedule(
                "{\"job_name\":\"b-good\",\"job_type\":\"noop\",\"cron_expression\":\"*/5 * * * *\","
                    + "\"timezone\":\"UTC\"}")
            .withNextRunAt(Instant.parse("2026-03-04T10:05:00Z")));
    List<String> sent = new ArrayList<>();

    List<ScheduleCheck.Triggered> triggered =
        new ScheduleCheck(
                store,
                new InMemoryRunStore(Clock.systemUTC()),
                new ScheduleCheck.Output() {
                  @Override
                  public void request(Schedule s, JobRequest request) {
                    sent.add(s.jobName());
                  }

                  @Override
                  public void missed(RunEvent event) {}
                },
                Clock.fixed(NOW, ZoneOffset.UTC))
            .run();

    assertThat(triggered).extracting(ScheduleCheck.Triggered::schedule).containsExactly("b-good");
    assertThat(sent).containsExactly("b-good");
    assertThat(store.find("b-good").orElseThrow().nextRunAt())
        .isEqualTo(Instant.parse("2026-03-04T10:10:00Z"));
  }
}
