package io.jobline.builtins;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.run.RunStatus;
import io.jobline.schedule.Schedule;
import io.jobline.store.InMemoryScheduleStore;
import io.jobline.store.ScheduleStore;
import io.jobline.wire.Json;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

class ScheduleRepairTest {
  private static final Instant NOW = Instant.parse("2026-03-04T10:07:20Z");

  private static Schedule schedule(String json) throws Exception {
    return Json.mapper().readValue(json, Schedule.class);
  }

  @Test
  void missingAndStaleNextFireTimesAreRecomputedAndDueOnesKept() throws Exception {
    InMemoryScheduleStore store = new InMemoryScheduleStore();
    store.save(
        schedule(
            "{\"job_name\":\"missing\",\"cron_expression\":\"0 * * * *\",\"timezone\":\"UTC\"}"));
    store.save(
        schedule(
            "{\"job_name\":\"stale\",\"cron_expression\":\"0 * * * *\",\"timezone\":\"UTC\","
                + "\"next_run_at\":\"2026-03-04T10:30:00Z\"}"));
    store.save(
        schedule(
            "{\"job_name\":\"overdue\",\"cron_expression\":\"0 * * * *\",\"timezone\":\"UTC\","
                + "\"next_run_at\":\"2026-03-04T09:00:00Z\"}"));
    store.save(
        schedule(
            "{\"job_name\":\"broken\",\"cron_expression\":\"99 * * * *\",\"next_run_at\":\"2026-03-04T11:00:00Z\"}"));
    Recording ctx = new Recording("calculate_next_schedules");

    Map<String, Object> result = ScheduleRepair.repair(store, NOW, ctx);

    assertThat(result)
        .containsEntry("checked", 4)
        .containsEntry("fixed", 2)
        .containsEntry("invalid", 1);
    assertThat(store.find("missing").orElseThrow().nextRunAt())
        .isEqualTo(Instant.parse("2026-03-04T11:00:00Z"));
    assertThat(store.find("stale").orElseThrow().nextRunAt())
        .isEqualTo(Instant.parse("2026-03-04T11:00:00Z"));
    assertThat(store.find("overdue").orElseThrow().nextRunAt())
        .isEqualTo(Instant.parse("2026-03-04T09:00:00Z"));
    assertThat(ctx.lines).anyMatch(l -> l.startsWith("WARN Schedule broken"));
    assertThat(ctx.lines).contains("100% Checked 4 schedules");
  }

  /**
   * A store holding the hourly schedule {@code name} with a next fire time that does not fit it
   * (10:30), which {@code meanwhile} changes once the repair has read it.
   */
  private static InMemoryScheduleStore changedAfterTheRepairReadIt(
      String name, BiConsumer<InMemoryScheduleStore, Schedule> meanwhile) throws Exception {
    InMemoryScheduleStore store =
        new InMemoryScheduleStore() {
          @Override
          public List<Schedule> findEnabled() {
            List<Schedule> read = super.findEnabled();
            meanwhile.accept(this, read.get(0));
            return read;
          }
        };
    store.save(
        schedule(
            "{\"job_name\":\""
                + name
                + "\",\"cron_expression\":\"0 * * * *\",\"timezone\":\"UTC\","
                + "\"next_run_at\":\"2026-03-04T10:30:00Z\"}"));
    return store;
  }

  @Test
  void aScheduleChangedWhileTheRepairRunsKeepsItsChange() throws Exception {
    // found by review: the repair saved its whole copy read at the start, so a fire recorded (or
    // an edit made) in between was undone: the time just fired became due again
    InMemoryScheduleStore store =
        changedAfterTheRepairReadIt(
            "stale",
            (changing, s) ->
                // a fire moves "stale" on and records its run
                changing.recordFires(
                    List.of(
                        new ScheduleStore.Fire(
                            s.jobName(),
                            s.nextRunAt(),
                            "run-1",
                            RunStatus.QUEUED,
                            Instant.parse("2026-03-04T12:00:00Z"),
                            s.nextRunAt()))));
    Recording ctx = new Recording("calculate_next_schedules");

    Map<String, Object> result = ScheduleRepair.repair(store, NOW, ctx);

    assertThat(result).containsEntry("fixed", 0);
    Schedule stale = store.find("stale").orElseThrow();
    assertThat(stale.nextRunAt()).isEqualTo(Instant.parse("2026-03-04T12:00:00Z"));
    assertThat(stale.lastRunId()).isEqualTo("run-1");
    assertThat(ctx.lines).anyMatch(l -> l.contains("stale changed while it was checked"));
  }

  @Test
  void aScheduleEditedMeanwhileToATriggerItsStoredTimeFitsKeepsThatTime() throws Exception {
    // found by review: the repair's check matched the next fire time only; an edit between its
    // read and its write to a trigger the stored time fits left that time in place, and the repair
    // then stored the time it had planned for the old trigger: a fire the new one does not have,
    // and its own at 10:30 skipped
    InMemoryScheduleStore store =
        changedAfterTheRepairReadIt(
            "edited",
            (changing, s) ->
                changing.change(
                    s, s.merge(Json.object().put("cron_expression", "30 * * * *")), false));
    Recording ctx = new Recording("calculate_next_schedules");

    Map<String, Object> result = ScheduleRepair.repair(store, NOW, ctx);

    assertThat(result).containsEntry("fixed", 0);
    Schedule edited = store.find("edited").orElseThrow();
    assertThat(edited.cronExpression()).isEqualTo("30 * * * *");
    assertThat(edited.nextRunAt()).isEqualTo(Instant.parse("2026-03-04T10:30:00Z"));
    assertThat(ctx.lines).anyMatch(l -> l.contains("edited changed while it was checked"));
  }

  @Test
  void anIntervalWithoutRunAtKeepsItsNextFireTimeWhetherDueOrWithinOneInterval() throws Exception {
    // found by review: such an interval has no grid, so no stored time "fitted" and every repair
    // pushed it to now + interval: with an hourly repair a 2-hour interval never fired
    InMemoryScheduleStore store = new InMemoryScheduleStore();
    for (String[] row :
        new String[][] {
          {"due", "2026-03-04T09:00:00Z"},
          {"soon", "2026-03-04T11:00:00Z"},
          {"too-far", "2026-03-05T11:00:00Z"}
        }) {
      store.save(
          schedule(
              "{\"job_name\":\""
                  + row[0]
                  + "\",\"trigger_type\":\"interval\",\"interval_seconds\":7200,"
                  + "\"timezone\":\"UTC\",\"next_run_at\":\""
                  + row[1]
                  + "\"}"));
    }

    Map<String, Object> result =
        ScheduleRepair.repair(store, NOW, new Recording("calculate_next_schedules"));

    assertThat(result).containsEntry("fixed", 1);
    assertThat(store.find("due").orElseThrow().nextRunAt())
        .isEqualTo(Instant.parse("2026-03-04T09:00:00Z"));
    assertThat(store.find("soon").orElseThrow().nextRunAt())
        .isEqualTo(Instant.parse("2026-03-04T11:00:00Z"));
    assertThat(store.find("too-far").orElseThrow().nextRunAt()).isEqualTo(NOW.plusSeconds(7200));
  }

  @Test
  void anIntervalWithoutRunAtSetByAClockAheadOfThisOneIsLeftAsItIs() throws Exception {
    // found by review: the scheduler counts the next fire from its own clock; 10 s ahead of this
    // one, a 5-second interval's next time was "more than one interval ahead", and the repair
    // pulled it back to before the fire just made, which fired again under a new run id
    InMemoryScheduleStore store = new InMemoryScheduleStore();
    Instant schedulersNow = NOW.plusSeconds(10);
    store.save(
        schedule(
            "{\"job_name\":\"every-5s\",\"trigger_type\":\"interval\",\"interval_seconds\":5,"
                + "\"timezone\":\"UTC\",\"next_run_at\":\""
                + schedulersNow.plusSeconds(5)
                + "\"}"));
    store.save(
        schedule(
            "{\"job_name\":\"far\",\"trigger_type\":\"interval\",\"interval_seconds\":5,"
                + "\"timezone\":\"UTC\",\"next_run_at\":\""
                + NOW.plus(ScheduleRepair.CLOCK_SKEW).plusSeconds(6)
                + "\"}"));

    Map<String, Object> result =
        ScheduleRepair.repair(store, NOW, new Recording("calculate_next_schedules"));

    assertThat(result).containsEntry("fixed", 1);
    assertThat(store.find("every-5s").orElseThrow().nextRunAt())
        .isEqualTo(schedulersNow.plusSeconds(5));
    assertThat(store.find("far").orElseThrow().nextRunAt()).isEqualTo(NOW.plusSeconds(5));
  }

  @Test
  void aFireTimeOnTheGridButBeyondTheNextOneIsPlannedAgainFromNow() throws Exception {
    // found by review: a scheduler host whose clock had jumped to 2027 stored 2027 fire times,
    // which fit the trigger; once the clock was put right every such schedule stayed silent till
    // 2027
    InMemoryScheduleStore store = new InMemoryScheduleStore();
    store.save(
        schedule(
            "{\"job_name\":\"cron-2027\",\"cron_expression\":\"0 * * * *\",\"timezone\":\"UTC\","
                + "\"next_run_at\":\"2027-01-01T00:00:00Z\"}"));
    store.save(
        schedule(
            "{\"job_name\":\"anchored-2027\",\"trigger_type\":\"interval\",\"interval_seconds\":3600,"
                + "\"run_at\":\"2026-01-01T00:30:00Z\",\"timezone\":\"UTC\","
                + "\"next_run_at\":\"2027-01-01T00:30:00Z\"}"));
    // a scheduler a minute ahead of this clock (10:59:30) has fired 11:00 and planned 12:00: kept
    store.save(
        schedule(
            "{\"job_name\":\"ahead-a-little\",\"cron_expression\":\"0 * * * *\",\"timezone\":\"UTC\","
                + "\"next_run_at\":\"2026-03-04T12:00:00Z\"}"));
    Recording ctx = new Recording("calculate_next_schedules");

    Map<String, Object> result =
        ScheduleRepair.repair(store, Instant.parse("2026-03-04T10:59:30Z"), ctx);

    assertThat(result).containsEntry("fixed", 2);
    assertThat(store.find("cron-2027").orElseThrow().nextRunAt())
        .isEqualTo(Instant.parse("2026-03-04T11:00:00Z"));
    assertThat(store.find("anchored-2027").orElseThrow().nextRunAt())
        .isEqualTo(Instant.parse("2026-03-04T11:30:00Z"));
    assertThat(store.find("ahead-a-little").orElseThrow().nextRunAt())
        .isEqualTo(Instant.parse("2026-03-04T12:00:00Z"));
    assertThat(ctx.lines)
        .contains("Schedule cron-2027: next_run_at 2027-01-01T00:00:00Z -> 2026-03-04T11:00:00Z");
  }
}
