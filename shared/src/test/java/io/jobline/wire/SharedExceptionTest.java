package io.jobline.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jobline.cron.CronException;
import io.jobline.cron.CronSchedule;
import io.jobline.job.DuplicateJobException;
import io.jobline.job.JobException;
import io.jobline.job.JoblineException;
import io.jobline.run.IllegalTransitionException;
import io.jobline.run.RunStatus;
import io.jobline.store.UnreadableTimerException;
import io.jobline.topic.NotAcknowledgedException;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class SharedExceptionTest {
  @Test
  void sharedsExceptionsShareOneRootUnderTheSdks() {
    assertThatThrownBy(() -> CronSchedule.parse("* * * *", null))
        .isInstanceOf(SharedException.class)
        .isInstanceOf(JoblineException.class)
        .hasMessageContaining("cron_expression: ");
    assertThatThrownBy(() -> RunStatus.COMPLETED.moveTo(RunStatus.RUNNING))
        .isInstanceOfSatisfying(
            IllegalTransitionException.class,
            e -> {
              assertThat(e).isInstanceOf(SharedException.class);
              assertThat(e.from()).isEqualTo(RunStatus.COMPLETED);
              assertThat(e.to()).isEqualTo(RunStatus.RUNNING);
            });
    assertThat(new CronException("timezone", "x")).isInstanceOf(SharedException.class);
  }

  @Test
  void eachCarriesTheIdsItNamesWithItsMessageUnchanged() {
    RunId run = new RunId("r-1");
    NotAcknowledgedException unsent =
        new NotAcknowledgedException(run, "Kafka did not accept run r-1", new IOException());
    assertThat(unsent.runId()).isEqualTo(run);
    assertThat(unsent)
        .hasMessage("Kafka did not accept run r-1")
        .isInstanceOf(SharedException.class);

    UnreadableTimerException timer = new UnreadableTimerException("t-7", new IOException());
    assertThat(timer.timerId()).isEqualTo("t-7");
    assertThat(timer).hasMessage("timer t-7 holds an unreadable request");

    DuplicateJobException twice = new DuplicateJobException("nightly", "declared twice");
    assertThat(twice.jobName()).isEqualTo("nightly");
    assertThat(twice).isInstanceOf(JobException.class);
  }
}
