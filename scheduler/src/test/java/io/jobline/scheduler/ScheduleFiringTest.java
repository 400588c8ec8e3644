package io.jobline.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.schedule.Schedule;
import io.jobline.store.InMemoryScheduleStore;
import io.jobline.wire.JobRequest;
import io.jobline.wire.RunId;
import io.jobline.wire.TriggerType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScheduleFiringTest {
  private final InMemoryScheduleStore store = new InMemoryScheduleStore();
  private final List<JobRequest> sent = new ArrayList<>();
  private final ScheduleFiring firing = new ScheduleFiring(store, sent::add);

  private static Schedule everyMinute(String name) {
    return new Schedule(name, null, "*/1 * * * *", true, "noop", null, null, null,
        "Europe/Stockholm", "t1", null, null, null);
  }

  private List<JobRequest> cycle(Instant now) {
    return firing.fireDue(store.findEnabled(), now);
  }

  @Test
  void firesOncePerMinuteBoundaryWithARunIdDerivedFromTheNominalTime() {
    store.save(everyMinute("heartbeat"));
    Instant t = Instant.parse("2026-03-04T10:07:20Z");

    assertThat(cycle(t)).isEmpty();
    assertThat(store.find("heartbeat").orElseThrow().nextRunAt())
        .isEqualTo(Instant.parse("2026-03-04T10:08:00Z"));
    assertThat(cycle(Instant.parse("2026-03-04T10:07:59.999Z"))).isEmpty();

    List<JobRequest> first = cycle(Instant.parse("2026-03-04T10:08:00.010Z"));
    assertThat(first).hasSize(1);
    assertThat(cycle(Instant.parse("2026-03-04T10:08:30Z"))).isEmpty();
    List<JobRequest> second = cycle(Instant.parse("2026-03-04T10:09:00.005Z"));

    assertThat(second).hasSize(1);
    JobRequest r = first.get(0);
    assertThat(r.jobName()).isEqualTo("noop");
    assertThat(r.tenantId()).isEqualTo("t1");
    assertThat(r.trigger().type()).isEqualTo(TriggerType.SCHEDULE);
    assertThat(r.trigger().nominalTime()).isEqualTo(Instant.parse("2026-03-04T10:08:00Z"));
    assertThat(r.runId()).isEqualTo(RunId.forSchedule("heartbeat", Instant.parse("2026-03-04T10:08:00Z")));
    assertThat(sent).hasSize(2);
  }

  @Test
  void missedFireTimesAfterDowntimeAreCoalescedIntoOneRun() {
    store.save(everyMinute("heartbeat").withNextRunAt(Instant.parse("2026-03-04T10:00:00Z")));

    List<JobRequest> fired = cycle(Instant.parse("2026-03-04T10:30:10Z"));

    assertThat(fired).hasSize(1);
    assertThat(store.find("heartbeat").orElseThrow().nextRunAt())
        .isEqualTo(Instant.parse("2026-03-04T10:31:00Z"));
  }

  @Test
  void disabledSchedulesDoNotFire() {
    Schedule s = everyMinute("off");
    store.save(new Schedule(s.jobName(), null, s.cronExpression(), false, "noop", null, null, null,
        null, null, null, null, Instant.parse("2026-03-04T10:00:00Z")));

    assertThat(cycle(Instant.parse("2026-03-04T10:30:00Z"))).isEmpty();
  }
}
