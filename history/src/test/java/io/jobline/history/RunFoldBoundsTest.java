package io.jobline.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import io.jobline.wire.WireLimits;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * What a crafted record on the topics cannot make a run's state grow by: found by review, a run id
 * of hundreds of kilobytes, or events of tens of thousands of epochs for one run, put the run's
 * state (and its stub) over Kafka's largest record, and the changelog write stopped the partition's
 * stream thread at every restart. Such an input is refused, so history sets it aside.
 */
class RunFoldBoundsTest {
  private static final Instant T0 = Instant.parse("2026-12-06T08:00:00Z");
  private final RunFold fold = new RunFold(100);

  private static RunEvent log(long seq, int attempt, long epoch) {
    return new RunEvent(
        RunId.of("r1"),
        seq,
        EventType.LOG,
        T0.plusSeconds(seq),
        "exec-a",
        attempt,
        epoch,
        Json.object().put("message", "line " + seq));
  }

  @Test
  void aRunIdLongerThanTheLimitIsRefusedAndOneAtTheLimitFolds() {
    String longest = "r".repeat(WireLimits.MAX_ID_CHARS);
    String over = longest + "r";
    JobRequest request = JobRequest.manual(RunId.of(over), "job", Json.object(), "t1", T0, "api");

    assertThatThrownBy(() -> fold.apply(over, RunInput.of(request), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("run id")
        .hasMessageContaining((WireLimits.MAX_ID_CHARS + 1) + " characters")
        .hasMessageContaining("at most " + WireLimits.MAX_ID_CHARS);
    RunRecord run = fold.apply(longest, RunInput.of(request.withRunId(RunId.of(longest))), null);
    assertThat(run.status()).isEqualTo(RunStatus.QUEUED);
  }

  @Test
  void aJobNameOrTenantLongerThanTheLimitInARequestOrAnEventIsKeptCut() {
    // (the executor refuses such a request; its run ends failed where its caller looks for it)
    String over = "n".repeat(600_000);
    String cut = "n".repeat(WireLimits.MAX_ID_CHARS) + "…";
    RunRecord run =
        fold.apply(
            "r1",
            RunInput.of(JobRequest.manual(RunId.of("r1"), over, null, over, T0, "api")),
            null);
    assertThat(run.jobName()).isEqualTo(cut);
    assertThat(run.tenantId()).isEqualTo(cut);

    RunEvent refused =
        new RunEvent(
            RunId.of("r2"),
            1,
            EventType.FAILED,
            T0,
            "exec-a",
            1,
            0,
            Json.object().put("job_name", over).put("tenant_id", over).put("error", "refused"));
    RunRecord ended = fold.apply("r2", RunInput.of(refused), null);
    assertThat(ended.status()).isEqualTo(RunStatus.FAILED);
    assertThat(ended.jobName()).isEqualTo(cut);
    assertThat(ended.tenantId()).isEqualTo(cut);
    // (the same for a start carried by an end)
    RunEvent completed =
        new RunEvent(
            RunId.of("r3"),
            1,
            EventType.COMPLETED,
            T0,
            "exec-a",
            1,
            1,
            Json.object()
                .set("started", Json.object().put("job_name", over).put("tenant_id", "t1")));
    assertThat(fold.apply("r3", RunInput.of(completed), null).jobName()).isEqualTo(cut);
  }

  @Test
  void eventsOfOnePairMoreThanARunKeepsAreRefusedWhileTheirOwnPairsStillFold() {
    RunRecord run = null;
    for (int epoch = 1; epoch <= RunFold.MAX_APPLIED_PAIRS; epoch++) {
      run = fold.apply("r1", RunInput.of(log(1, 1, epoch)), run);
    }
    RunRecord full = run;
    assertThat(full.appliedSeq()).hasSize(RunFold.MAX_APPLIED_PAIRS);

    assertThatThrownBy(
            () -> fold.apply("r1", RunInput.of(log(1, 1, RunFold.MAX_APPLIED_PAIRS + 1L)), full))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at most " + RunFold.MAX_APPLIED_PAIRS)
        .hasMessageContaining("attempt 1, epoch " + (RunFold.MAX_APPLIED_PAIRS + 1));
    assertThatThrownBy(() -> fold.apply("r1", RunInput.of(log(1, 2, 1)), full))
        .isInstanceOf(IllegalArgumentException.class);

    // a pair it has noted goes on folding, and a copy of an event folded changes nothing
    RunRecord next = fold.apply("r1", RunInput.of(log(2, 1, 7)), full);
    assertThat(next.appliedSeq()).hasSize(RunFold.MAX_APPLIED_PAIRS).containsEntry("1:7", 2L);
    assertThat(fold.apply("r1", RunInput.of(log(1, 1, 7)), next)).isEqualTo(next);
  }

  @Test
  void aRunAtTheLimitsHasAStubThatFitsInOneKafkaRecord() throws Exception {
    String id = "r".repeat(WireLimits.MAX_ID_CHARS);
    RunRecord run = null;
    for (int epoch = 1; epoch <= RunFold.MAX_APPLIED_PAIRS; epoch++) {
      long big = Long.MAX_VALUE - epoch; // (the longest keys)
      RunEvent e =
          new RunEvent(
              RunId.of(id),
              Long.MAX_VALUE,
              EventType.STARTED,
              T0,
              "e".repeat(RunFold.MAX_EXECUTOR_ID_CHARS),
              WireLimits.MAX_ATTEMPTS,
              big,
              Json.object().put("job_name", "job").put("tenant_id", "t1"));
      run = fold.apply(id, RunInput.of(e), run);
    }
    assertThat(Json.mapper().writeValueAsBytes(RunState.stub(run)).length)
        .isLessThan(StateFit.MAX_BYTES / 10);
  }
}
