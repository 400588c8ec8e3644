package io.jobline.history;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.schedule.Schedule;
import io.jobline.schedule.ScheduleOutput;
import io.jobline.wire.Json;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A missed fire, folded from the scheduler's event alone. */
class RunFoldMissedTest {
  private static final Instant DUE = Instant.parse("2026-12-05T08:00:00Z");
  private static final Instant NOW = DUE.plusSeconds(90);

  @Test
  void aMissedFireIsRequestedAtTheTimeItWasDue() throws Exception {
    // found by review: it had no requested_at, and the runs list's cursor skipped or repeated it
    Schedule s =
        Json.mapper()
            .readValue(
                "{\"job_name\":\"every-5\",\"job_type\":\"noop\",\"cron_expression\":\"*/5 * * * *\","
                    + "\"timezone\":\"UTC\",\"tenant_id\":\"t1\"}",
                Schedule.class);
    var missed = ScheduleOutput.missed(s, DUE, "the scheduler was down", NOW);

    RunRecord run = new RunFold(100).apply(missed.runId().value(), RunInput.of(missed), null);

    assertThat(run.status()).isEqualTo(RunStatus.MISSED);
    assertThat(run.requestedAt()).isEqualTo(DUE);
    assertThat(run.completedAt()).isEqualTo(NOW);
    assertThat(run.jobName()).isEqualTo("noop");
  }
}
