package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.wire.EventType;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import java.math.BigDecimal;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class JobOutcomeTest {
  @Test
  void aJobThatReturnsUnaskedCompletesWithItsResult() {
    JobOutcome.Verdict v = JobOutcome.returned(null, false, Json.object().put("n", 1), 30);
    assertThat(v)
        .isEqualTo(
            new JobOutcome.End(
                EventType.COMPLETED, Json.object().set("result", Json.object().put("n", 1))));
  }

  @Test
  void aJobStoppedForItsTimeoutOrACancelEndsSoWhetherItReturnedOrThrew() {
    assertThat(JobOutcome.returned(StopReason.TIMEOUT, true, null, 30))
        .isEqualTo(
            new JobOutcome.End(EventType.TIMED_OUT, JobOutcome.error("timed out after 30 s")));
    assertThat(JobOutcome.threw(StopReason.CANCEL, new InterruptedException("woken"), 30))
        .isEqualTo(
            new JobOutcome.End(
                EventType.CANCELLED, JobOutcome.error("cancelled: InterruptedException: woken")));
  }

  @Test
  void anAbandonedJobEndsAsItsStopSaidAndIsReadAgainWhenTheExecutorShutsDown() {
    assertThat(((JobOutcome.End) JobOutcome.abandoned(StopReason.CANCEL, 30)).type())
        .isEqualTo(EventType.CANCELLED);
    assertThat(((JobOutcome.End) JobOutcome.abandoned(StopReason.TIMEOUT, 30)).type())
        .isEqualTo(EventType.TIMED_OUT);
    // found by review: a cancel during the shutdown's drain had it abandoned, and it ended timed
    // out, neither cancelled nor read again
    assertThat(JobOutcome.abandoned(StopReason.SHUTDOWN, 30))
        .as("(after a cancel during the drain; its own timeout passed, it is TIMEOUT's)")
        .isInstanceOf(JobOutcome.Redeliver.class);
  }

  @Test
  void aJobStoppedForShutdownIsReadAgainRatherThanEndedButOnlyIfItSawTheStop() {
    assertThat(JobOutcome.returned(StopReason.SHUTDOWN, true, null, 30))
        .isInstanceOf(JobOutcome.Redeliver.class);
    assertThat(JobOutcome.returned(StopReason.SHUTDOWN, false, null, 30))
        .isInstanceOf(JobOutcome.End.class);
    assertThat(JobOutcome.threw(StopReason.SHUTDOWN, new RuntimeException(), 30))
        .isInstanceOf(JobOutcome.Redeliver.class);
  }

  @Test
  void aThrowingJobFailsNamingTheExceptionAndAResultThatCannotBeStoredFailsToo() {
    assertThat(JobOutcome.threw(null, new IllegalStateException(), 30))
        .isEqualTo(new JobOutcome.End(EventType.FAILED, JobOutcome.error("IllegalStateException")));
    JobOutcome.Verdict huge =
        JobOutcome.returned(null, false, Json.object().put("k".repeat(2_000), 1), 30);
    assertThat(((JobOutcome.End) huge).type()).isEqualTo(EventType.FAILED);
    assertThat(((JobOutcome.End) huge).payload().path("error").asText())
        .startsWith("the job's result cannot be stored");
  }

  @Test
  void anEndCarriesTheStartItTookWithTheStartsTime() {
    Instant at = Instant.parse("2026-12-02T06:00:00Z");
    RunEvent start =
        new RunEvent(
            RunId.of("r-1"),
            1,
            EventType.STARTED,
            at,
            "exec-a",
            1,
            3,
            Json.object().put("job_name", "noop"));
    var carried = JobOutcome.carrying(Json.object().put("result", 7), start);
    assertThat(carried.path("result").asInt()).isEqualTo(7);
    assertThat(carried.path("started").path("job_name").asText()).isEqualTo("noop");
    assertThat(carried.path("started").path("at").asText()).isEqualTo(at.toString());
    assertThat(JobOutcome.carrying(Json.object().put("result", 7), null))
        .isEqualTo(Json.object().put("result", 7));
  }

  @Test
  void aResultWithANumberLongerThanAReadTakesFailsAndOneAsLongAsThatCompletes() throws Exception {
    // found by review: written, it could not be read back (by history, or by an executor taking
    // the run over from its claim)
    JobOutcome.Verdict tooLong =
        JobOutcome.returned(
            null, false, Json.object().put("n", new BigDecimal("0." + "1".repeat(1_000))), 30);
    assertThat(((JobOutcome.End) tooLong).payload().path("error").asText())
        .contains("result.n")
        .contains("more than 1000 characters");
    BigDecimal longest = new BigDecimal("0." + "1".repeat(998));
    JobOutcome.Verdict fits = JobOutcome.returned(null, false, Json.object().put("n", longest), 30);
    assertThat(((JobOutcome.End) fits).type()).isEqualTo(EventType.COMPLETED);
    String written = Json.mapper().writeValueAsString(((JobOutcome.End) fits).payload());
    assertThat(Json.mapper().readTree(written).path("result").path("n").isNumber())
        .as("read back")
        .isTrue();
  }
}
