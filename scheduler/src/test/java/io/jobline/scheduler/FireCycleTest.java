package io.jobline.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.schedule.Schedule;
import io.jobline.schedule.ScheduleFiring;
import io.jobline.wire.Json;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What a cycle fires, decided from memory alone: no Kafka, no store. */
class FireCycleTest {
  private static final Instant NOW = Instant.parse("2026-03-04T10:07:59.500Z");
  private static final Instant MINUTE = Instant.parse("2026-03-04T10:08:00Z");

  private final ScheduleIndex index = new ScheduleIndex();
  private final Set<String> running = new HashSet<>();
  private final FireCycle cycle =
      new FireCycle(
          "test",
          index,
          (s, now) -> new ScheduleFiring.Previous(running.contains(s.jobName()), null));

  private static Schedule schedule(String name, String extra, Instant next) {
    try {
      return Json.mapper()
          .readValue(
              "{\"job_name\":\""
                  + name
                  + "\",\"job_type\":\"noop\",\"timezone\":\"UTC\",\"next_run_at\":\""
                  + next
                  + "\""
                  + extra
                  + "}",
              Schedule.class);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static Schedule everyMinute(String name, String extra, Instant next) {
    return schedule(name, ",\"cron_expression\":\"*/1 * * * *\"" + extra, next);
  }

  @Test
  void whatFallsDueWithinTheHorizonIsDecidedForItsDueTimeAndTheRestWaitsInTheIndex() {
    index.put(everyMinute("soon", "", MINUTE));
    index.put(everyMinute("later", "", MINUTE.plusSeconds(60)));

    List<FireCycle.Decided> decided = cycle.upcoming(NOW, NOW.plus(Scheduler.PREPARE_AHEAD));

    assertThat(decided).hasSize(1);
    FireCycle.Decided d = decided.get(0);
    assertThat(d.schedule().jobName()).isEqualTo("soon");
    assertThat(d.at()).isEqualTo(MINUTE);
    assertThat(d.fire().requests()).hasSize(1);
    assertThat(d.fire().requests().get(0).trigger().nominalTime()).isEqualTo(MINUTE);
    assertThat(d.fire().missed()).isEmpty();
    assertThat(d.fire().plan().next()).isEqualTo(MINUTE.plusSeconds(60));
    assertThat(index.earliest()).contains(MINUTE.plusSeconds(60));
  }

  @Test
  void aFireThatIsLateIsDecidedForNow() {
    index.put(everyMinute("late", "", NOW.minusSeconds(10)));

    List<FireCycle.Decided> decided = cycle.upcoming(NOW, NOW.plus(Scheduler.PREPARE_AHEAD));

    assertThat(decided).extracting(FireCycle.Decided::at).containsExactly(NOW);
  }

  @Test
  void aFireThatWaitsForItsPreviousRunIsDueAgainASecondLater() {
    index.put(everyMinute("slow", ",\"overlap\":\"queue\"", MINUTE));
    running.add("slow");

    assertThat(cycle.upcoming(NOW, NOW.plus(Scheduler.PREPARE_AHEAD))).isEmpty();
    assertThat(index.earliest()).contains(NOW.plusSeconds(1));

    running.clear();
    Schedule due = cycle.nextDue(NOW.plusSeconds(1)).orElseThrow();
    ScheduleFiring.Fire fire = cycle.decide(due, NOW.plusSeconds(1), NOW.plusSeconds(1));
    assertThat(fire.waiting()).isFalse();
    assertThat(fire.requests()).hasSize(1);
  }

  @Test
  void aFireThatFailedIsTriedAgainAndWhatItMissesNamesTheFailure() {
    Schedule s =
        everyMinute("hb", ",\"misfire_policy\":\"skip\",\"misfire_grace_seconds\":30", MINUTE);
    cycle.retryLater(s, MINUTE, new IllegalStateException("Kafka did not take the fire"));
    assertThat(index.earliest()).contains(MINUTE.plusSeconds(1));

    Instant later = MINUTE.plusSeconds(45);
    Schedule due = cycle.nextDue(later).orElseThrow();
    ScheduleFiring.Fire fire = cycle.decide(due, later, later);

    assertThat(fire.requests()).isEmpty();
    assertThat(fire.missed()).hasSize(1);
    assertThat(fire.missed().get(0).payload().get("reason").asText())
        .contains("misfire_policy: skip")
        .contains("the fire could not happen in time: Kafka did not take the fire");

    cycle.fired(s);
    assertThat(cycle.whyLate(s)).isNull();
  }

  @Test
  void aScheduleWithABrokenTriggerIsNotFiredAndItsErrorIsKept() {
    index.put(schedule("broken", ",\"cron_expression\":\"61 * * * *\"", MINUTE));

    assertThat(cycle.upcoming(NOW, NOW.plus(Scheduler.PREPARE_AHEAD))).isEmpty();
    assertThat(index.earliest()).contains(NOW.plusSeconds(1));
    assertThat(cycle.whyLate(index.all().iterator().next()))
        .isEqualTo("cron_expression: minute value 61 is out of range 0-59");
  }

  @Test
  void anOutageIsWhyEveryScheduleIsLateUntilACycleGoesThrough() {
    Schedule s = everyMinute("hb", "", MINUTE);

    cycle.outage("the store is down");
    cycle.outage("the store is still down");
    assertThat(cycle.whyLate(s)).isEqualTo("the store is down");
    cycle.retryLater(s, NOW, new IllegalStateException("its own failure"));
    assertThat(cycle.whyLate(s)).isEqualTo("its own failure");
    cycle.changed("hb");
    cycle.recovered();
    assertThat(cycle.whyLate(s)).isNull();
  }
}
