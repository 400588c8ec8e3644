package io.jobline.history;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Kafka Streams may close a task without a commit and init the same processor again (a revived
 * task, after a send failed under exactly-once): what the processor kept in memory from the void
 * transaction must not be written, and the inputs that come again count once.
 */
class HistoryReviveTest {
  private static final Instant T0 = Instant.now();

  @Test
  void aRevivedTaskForgetsWhatItFoldedSinceItsLastCommitAndCountsTheReplayOnce() {
    ProcessorHarness task = new ProcessorHarness(new HistorySettings(), T0);
    task.processor.init(task.context);
    task.request("r1", T0, 0);
    task.end("r1", T0, 0);

    // the transaction is void: the task is closed without a commit, and its processor started
    // again; the inputs come again from the last commit
    task.processor.init(task.context);
    task.commit();
    assertThat(task.stored.find("r1")).as("nothing of the void transaction is written").isEmpty();
    assertThat(task.statsWrites).isEmpty();

    task.request("r1", T0, 0);
    task.end("r1", T0, 0);
    task.commit();

    RunRecord run = task.stored.find("r1").orElseThrow();
    assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(task.statsWrites).hasSize(1);
    assertThat(task.statsWrites.get(0)).hasSize(2); // the job's and the job-and-tenant's
    assertThat(task.statsWrites.get(0))
        .allSatisfy(s -> assertThat(s.counts()).containsEntry("completed", 1L));
  }
}
