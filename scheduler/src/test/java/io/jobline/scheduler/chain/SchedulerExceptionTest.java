package io.jobline.scheduler.chain;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.job.JoblineException;
import io.jobline.scheduler.SchedulerException;
import io.jobline.wire.RunId;
import java.util.List;
import org.junit.jupiter.api.Test;

class SchedulerExceptionTest {
  @Test
  void aStepTheDefinitionLacksNamesTheChainRunAndTheStep() {
    UnknownStepException e = new UnknownStepException("cr-1", "load");
    assertThat(e.chainRunId()).isEqualTo("cr-1");
    assertThat(e.step()).isEqualTo("load");
    assertThat(e)
        .hasMessage("chain run cr-1 has a step 'load' its definition lacks")
        .isInstanceOf(SchedulerException.class)
        .isInstanceOf(JoblineException.class);
  }

  @Test
  void stepsKafkaDidNotTakeNameTheirRuns() {
    RuntimeException cause = new RuntimeException("timeout");
    StepsNotSentException e =
        new StepsNotSentException(
            List.of(new RunId("a"), new RunId("b")), "Kafka did not acknowledge", cause);
    assertThat(e.runIds()).containsExactly(new RunId("a"), new RunId("b"));
    assertThat(e).hasMessage("Kafka did not acknowledge").hasCause(cause);
  }
}
