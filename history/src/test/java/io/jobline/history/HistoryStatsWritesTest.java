package io.jobline.history;

import static org.assertj.core.api.Assertions.assertThat;

import io.dropwizard.util.Duration;
import io.jobline.run.JobStats;
import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.wire.EventType;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A task writes its statistics to MongoDB at most once per {@code history.statsInterval}, keeps
 * them committed in its state store meanwhile, and writes all it holds with its first commit after
 * it starts (so those a crash or a move kept from MongoDB reach it); a history that stops writes
 * what its tasks kept with their last commits.
 */
class HistoryStatsWritesTest {
  private static final Instant T0 = Instant.parse("2026-12-03T03:00:00Z");

  private static long completed(List<JobStats> write) {
    return write.stream().mapToLong(s -> s.counts().getOrDefault("completed", 0L)).max().orElse(0);
  }

  /** A run requested at {@code at} ends, and the task commits. */
  private static void runAndCommit(ProcessorHarness task, String runId, Instant at, long offset) {
    task.request(runId, at, offset);
    task.end(runId, at, offset);
    task.commit();
  }

  /**
   * A started task commits a run (written at once) and then another (kept: within the interval).
   */
  private static void oneWrittenOneKept(ProcessorHarness task) {
    task.processor.init(task.context);
    runAndCommit(task, "r1", T0, 0);
    runAndCommit(task, "r2", T0, 1);
  }

  @Test
  void commitsWithinTheIntervalKeepTheStatisticsAndTheNextOneAfterItWritesThemAll() {
    ProcessorHarness task = new ProcessorHarness(new HistorySettings(), T0);
    task.processor.init(task.context);

    task.request("r1", T0, 0);
    task.end("r1", T0, 0);
    task.commit();
    assertThat(task.statsWrites).hasSize(1); // the first commit writes at once
    assertThat(completed(task.statsWrites.get(0))).isEqualTo(1);

    for (int i = 2; i <= 5; i++) { // four more runs, a commit each, within the second
      task.at(T0.plusMillis(100L * i));
      task.request("r" + i, T0.plusMillis(100L * i), i);
      task.end("r" + i, T0.plusMillis(100L * i), i);
      task.commit();
    }
    assertThat(task.statsWrites).as("nothing more within the interval").hasSize(1);
    assertThat(task.stored.find("r5")).as("runs are written at every commit").isPresent();

    task.at(T0.plusMillis(1_000));
    task.commit();
    assertThat(task.statsWrites).hasSize(2);
    assertThat(task.statsWrites.get(1)).hasSize(2); // the job's and the job-and-tenant's, once each
    assertThat(completed(task.statsWrites.get(1))).isEqualTo(5);
  }

  @Test
  void anIdleTaskAsksForACommitOnceItsKeptStatisticsAreDue() {
    ProcessorHarness task = new ProcessorHarness(new HistorySettings(), T0);
    oneWrittenOneKept(task); // kept: within the interval
    var punctuator = task.context.scheduledPunctuators().get(0).getPunctuator();

    task.context.resetCommit();
    task.at(T0.plusMillis(500));
    punctuator.punctuate(T0.plusMillis(500).toEpochMilli());
    assertThat(task.context.committed()).as("not due yet").isFalse();

    task.at(T0.plusMillis(1_000));
    punctuator.punctuate(T0.plusMillis(1_000).toEpochMilli());
    assertThat(task.context.committed()).as("due: a commit writes them").isTrue();
    task.commit();
    assertThat(completed(task.statsWrites.get(task.statsWrites.size() - 1))).isEqualTo(2);
  }

  @Test
  void aTaskThatStartsWritesEveryStatisticItsStoreHoldsWithItsFirstCommit() {
    ProcessorHarness task = new ProcessorHarness(new HistorySettings(), T0);
    task.processor.init(task.context);
    runAndCommit(task, "r1", T0, 0);
    task.at(T0.plusMillis(200));
    runAndCommit(
        task,
        "r2",
        T0.plusMillis(200),
        1); // committed to the state store, not yet written: then the process dies
    assertThat(completed(task.statsWrites.get(task.statsWrites.size() - 1))).isEqualTo(1);

    // the task starts again (here or elsewhere) on the state its commits left
    task.processor.init(task.context);
    task.commit();

    assertThat(completed(task.statsWrites.get(task.statsWrites.size() - 1))).isEqualTo(2);
  }

  @Test
  void aClosedTaskWritesNothingMoreAndAHistoryThatStopsWritesAllWithItsLastCommit() {
    AtomicBoolean stopping = new AtomicBoolean();
    ProcessorHarness task = new ProcessorHarness(new HistorySettings(), T0, stopping::get);
    oneWrittenOneKept(task); // kept
    task.processor.close(); // closed (after a failure, say): its next owner writes them
    assertThat(task.statsWrites).hasSize(1);

    task.processor.init(task.context);
    runAndCommit(task, "r3", T0, 2); // the first commit after a start writes all the store holds
    assertThat(completed(task.statsWrites.get(task.statsWrites.size() - 1))).isEqualTo(3);
    int writes = task.statsWrites.size();
    runAndCommit(task, "r4", T0, 3);
    assertThat(task.statsWrites).as("kept again within the interval").hasSize(writes);

    stopping.set(true); // History.stop(): the last commits write what was kept
    task.commit();
    assertThat(task.statsWrites).hasSize(writes + 1);
    assertThat(completed(task.statsWrites.get(writes))).isEqualTo(4);
  }

  @Test
  void aBusyTaskDoesNotAskForAnExtraCommitItsNextOneWritesThem() {
    ProcessorHarness task = new ProcessorHarness(new HistorySettings(), T0);
    oneWrittenOneKept(task); // kept
    var punctuator = task.context.scheduledPunctuators().get(0).getPunctuator();
    task.context.resetCommit();

    Instant later = T0.plusMillis(1_000);
    task.at(later);
    task.request("r3", later, 2); // it reads on: not idle
    punctuator.punctuate(later.toEpochMilli());
    assertThat(task.context.committed()).as("no commit asked for the statistics alone").isFalse();
    task.commit(); // its next commit (when its pace asks) writes them
    assertThat(completed(task.statsWrites.get(task.statsWrites.size() - 1))).isEqualTo(2);
  }

  @Test
  void aWallClockSetBackDoesNotHoldTheStatisticsBack() {
    ProcessorHarness task = new ProcessorHarness(new HistorySettings(), T0);
    task.processor.init(task.context);
    runAndCommit(task, "r1", T0, 0);
    task.at(T0.minusSeconds(60));
    runAndCommit(task, "r2", T0, 1);

    assertThat(task.statsWrites).hasSize(2);
  }

  @Test
  void anIntervalOfZeroWritesWithEveryCommit() {
    HistorySettings settings = new HistorySettings();
    settings.statsInterval = Duration.milliseconds(0);
    ProcessorHarness task = new ProcessorHarness(settings, T0);
    task.processor.init(task.context);
    for (int i = 1; i <= 3; i++) {
      task.request("r" + i, T0, i);
      task.end("r" + i, T0, i);
      task.commit();
    }

    assertThat(task.statsWrites).hasSize(3);
  }

  @Test
  void anEndFoldedBeforeItsRequestAndWrittenByACommitACrashUndidIsCountedOnceWhenFoldedAgain() {
    // the end comes first (its request's partition lagged); the commit's MongoDB write happens, the
    // Streams commit does not: the next owner starts from the committed state (nothing of the run,
    // no count) while MongoDB holds the run completed
    ProcessorHarness crashed = new ProcessorHarness(new HistorySettings(), T0);
    crashed.processor.init(crashed.context);
    crashed.quickEnd("early", T0, 0);
    crashed.request("early", T0, 0);
    crashed.commit();
    assertThat(crashed.stored.find("early").orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(completed(crashed.statsWrites.get(0))).isEqualTo(1);

    ProcessorHarness next =
        new ProcessorHarness(new HistorySettings(), T0.plusSeconds(5), () -> false, crashed.stored);
    next.processor.init(next.context);
    next.quickEnd("early", T0, 0);
    next.request("early", T0, 0);
    next.commit();

    assertThat(next.metrics.runsReadFromStore())
        .as("the end found no run in the state: read back from MongoDB")
        .isEqualTo(1);
    assertThat(next.statsWrites).hasSize(1);
    assertThat(completed(next.statsWrites.get(0)))
        .as("the count the crash undid, counted again, once")
        .isEqualTo(1);
    RunRecord run = next.stored.find("early").orElseThrow();
    assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(run.requestedAt()).isEqualTo(T0);
  }

  @Test
  void aCancelFoldedBeforeItsRequestIsCountedOnceTheRequestNamesItsJob() {
    // found by review: an end that names no job (a cancel before the run started) folded before
    // its request was counted nowhere, and the request, folding onto an ended run, ended nothing
    ProcessorHarness task = new ProcessorHarness(new HistorySettings(), T0);
    task.processor.init(task.context);
    task.input(
        new RunEvent(
            RunId.of("r1"),
            1,
            EventType.CANCELLED,
            T0,
            "executor-1",
            1,
            0,
            Json.object().put("error", "cancelled before it started")),
        0);
    task.request("r1", T0, 0);
    task.commit();

    assertThat(task.stored.find("r1").orElseThrow().status()).isEqualTo(RunStatus.CANCELLED);
    assertThat(task.statsWrites).hasSize(1);
    assertThat(task.statsWrites.get(0))
        .as("the job's and the job-and-tenant's, once each")
        .hasSize(2)
        .allSatisfy(s -> assertThat(s.counts().getOrDefault("cancelled", 0L)).isEqualTo(1));
  }
}
