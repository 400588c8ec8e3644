package io.jobline.history;

import static org.assertj.core.api.Assertions.assertThat;

import io.dropwizard.util.Duration;
import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.store.InMemoryRunStore;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A run let go from the hold (it waited in the executor's queue longer than {@code
 * history.holdQueued}) is written to MongoDB queued and not kept in the run state: its next input
 * folds onto the task's copy of what it wrote, or reads it back when the task has none, so a run
 * that waited costs one changelog record, not two, and nothing of it is lost or counted twice.
 */
class LetGoRunsTest {
  private static final Instant T0 = Instant.parse("2026-12-04T04:00:00Z");

  /** Settings holding a run back 3 s (the times below step past that). */
  private static HistorySettings threeSecondHold() {
    HistorySettings s = new HistorySettings();
    s.holdQueued = Duration.seconds(3);
    return s;
  }

  /** A task that read r1's request and then, past the hold, another's: r1 is let go. */
  private static ProcessorHarness taskThatLetR1Go() {
    ProcessorHarness task = new ProcessorHarness(threeSecondHold(), T0);
    task.processor.init(task.context);
    task.request("r1", T0, 0);
    task.at(T0.plusSeconds(4));
    task.request("r2", T0.plusSeconds(4), 1);
    return task;
  }

  /**
   * A task that let r1 go (written queued, committed), then folded its start and end and wrote
   * them: the Streams commit after that write does not happen (a crash).
   */
  private static ProcessorHarness letR1GoThenStartAndEndItUncommitted() {
    ProcessorHarness crashed = taskThatLetR1Go();
    crashed.commit();
    crashed.at(T0.plusSeconds(6));
    crashed.start("r1", T0.plusSeconds(6), 0);
    crashed.endAfterStart("r1", T0.plusSeconds(6), 1);
    crashed.commit();
    return crashed;
  }

  /**
   * A task started over on the runs MongoDB holds: with the run state {@code stateOf} committed, or
   * none (null), and no memory of its own.
   */
  private static ProcessorHarness nextOwner(
      InMemoryRunStore stored, ProcessorHarness stateOf, Instant now) {
    ProcessorHarness next = new ProcessorHarness(threeSecondHold(), now, () -> false, stored);
    if (stateOf != null) {
      next.runStateOf(stateOf);
    }
    next.processor.init(next.context);
    return next;
  }

  private static RunRecord inState(ProcessorHarness task, String runId) {
    return task.state(runId);
  }

  private static long completed(ProcessorHarness task) {
    return task.statsWrites.stream()
        .flatMap(List::stream)
        .filter(s -> s.tenantId() == null)
        .mapToLong(s -> s.counts().getOrDefault("completed", 0L))
        .max()
        .orElse(0);
  }

  @Test
  void runsTheHoldLetsGoForRoomAreWrittenOnceTheyAreABatchNotOnlyAtTheCommit() {
    // found by review: runs pushed out of a full hold waited for the commit (1-5 s while behind),
    // bounded neither by the batch nor by bytes
    HistorySettings settings = threeSecondHold();
    settings.maxHeldPerTask = 5;
    settings.batchSize = 10;
    ProcessorHarness task = new ProcessorHarness(settings, T0);
    task.processor.init(task.context);
    for (int i = 0; i < 30; i++) {
      task.request("r" + i, T0, i);
    }
    assertThat(task.stored.find("r0")).as("written before any commit").isPresent();
    assertThat(task.stored.find("r9")).isPresent();
    assertThat(task.stored.find("r29")).as("still held").isEmpty();
  }

  @Test
  void aRunLetGoIsWrittenQueuedOutsideTheStateAndItsEndFoldsOntoTheTasksCopy() {
    ProcessorHarness task = taskThatLetR1Go();
    task.commit();
    assertThat(task.stored.find("r1").orElseThrow().status()).isEqualTo(RunStatus.QUEUED);
    assertThat(inState(task, "r1")).as("MongoDB is its state").isNull();

    task.at(T0.plusSeconds(6));
    task.end("r1", T0.plusSeconds(6), 0);
    task.commit();

    assertThat(task.metrics.runsReadFromStore())
        .as("the task's copy of what it wrote, not a read")
        .isZero();
    RunRecord run = task.stored.find("r1").orElseThrow();
    assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(run.requestedAt()).as("the request's fields, from the copy").isEqualTo(T0);
    assertThat(run.jobName()).isEqualTo("noop");
    assertThat(completed(task)).isEqualTo(1);
    assertThat(inState(task, "r1"))
        .as("its end keeps it in the state, as a run that is over")
        .isEqualTo(RunState.stub(run));
  }

  @Test
  void aTaskStartedAgainHasNoCopiesAndReadsTheRunBackOnce() {
    ProcessorHarness task = taskThatLetR1Go();
    task.commit();

    // the task started again (a rebalance, another instance): the committed state, no copies
    ProcessorHarness next = nextOwner(task.stored, task, T0.plusSeconds(6));
    next.end("r1", T0.plusSeconds(6), 0);
    next.commit();

    assertThat(next.metrics.runsReadFromStore()).isEqualTo(1);
    RunRecord run = next.stored.find("r1").orElseThrow();
    assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(run.requestedAt()).as("the request's fields, read back").isEqualTo(T0);
    assertThat(completed(next)).isEqualTo(1);
  }

  @Test
  void aRevivedTaskHasNoCopiesAndReadsTheRunBack() {
    ProcessorHarness task = taskThatLetR1Go();
    task.quickEnd("r2", T0.plusSeconds(4), 2); // nothing held: no note to read again at init
    task.commit();
    task.processor.init(task.context); // revived without a commit: what it kept in memory is gone

    task.at(T0.plusSeconds(6));
    task.end("r1", T0.plusSeconds(6), 3);
    task.commit();

    assertThat(task.metrics.runsReadFromStore()).isEqualTo(1);
    assertThat(task.stored.find("r1").orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(completed(task)).isEqualTo(2);
  }

  @Test
  void aLetGoWriteRefusedOverANewerStoredFoldKeepsNoCopyAndTheRunIsReadBack() {
    // MongoDB holds r1 started: written by a task whose commit a crash undid
    ProcessorHarness before = new ProcessorHarness(threeSecondHold(), T0);
    before.processor.init(before.context);
    before.request("r1", T0, 0);
    before.at(T0.plusSeconds(1));
    before.start("r1", T0.plusSeconds(1), 0);
    before.commit();
    RunRecord started = before.stored.find("r1").orElseThrow();
    assertThat(started.status()).isEqualTo(RunStatus.RUNNING);

    ProcessorHarness task = nextOwner(before.stored, null, T0);
    task.request("r1", T0, 0);
    task.at(T0.plusSeconds(4));
    task.request("r2", T0.plusSeconds(4), 1);
    task.commit(); // r1 let go: its queued record refused over the started one
    assertThat(task.stored.find("r1").orElseThrow()).isEqualTo(started);

    task.at(T0.plusSeconds(6));
    task.endAfterStart("r1", T0.plusSeconds(6), 1);
    task.commit();

    assertThat(task.metrics.runsReadFromStore())
        .as("no copy of a write MongoDB refused: read back")
        .isEqualTo(1);
    RunRecord run = task.stored.find("r1").orElseThrow();
    assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(run.startedAt()).as("the start MongoDB held").isEqualTo(started.startedAt());
    assertThat(completed(task)).isEqualTo(1);
  }

  @Test
  void aRunLetGoAndChangedBeforeTheWriteIsKeptInTheState() {
    ProcessorHarness task = taskThatLetR1Go();
    task.end("r1", T0.plusSeconds(4), 0);
    task.commit();

    assertThat(task.metrics.runsReadFromStore()).isZero();
    assertThat(inState(task, "r1")).isEqualTo(RunState.stub(task.stored.find("r1").orElseThrow()));
    assertThat(inState(task, "r1").status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(completed(task)).isEqualTo(1);
  }

  @Test
  void theEndOfARunLetGoWrittenByACommitACrashUndidIsCountedOnceWhenFoldedAgain() {
    ProcessorHarness crashed = taskThatLetR1Go();
    crashed.commit(); // written queued, committed
    crashed.at(T0.plusSeconds(6));
    crashed.end("r1", T0.plusSeconds(6), 0);
    crashed.commit(); // written completed; the Streams commit after it does not happen
    assertThat(completed(crashed)).isEqualTo(1);

    // the next owner: the committed state (r1 was never in it), MongoDB as written
    ProcessorHarness next = nextOwner(crashed.stored, null, T0.plusSeconds(7));
    next.end("r1", T0.plusSeconds(6), 0);
    next.commit();

    assertThat(next.metrics.runsReadFromStore()).isEqualTo(1);
    assertThat(completed(next)).as("the count the crash undid, counted again, once").isEqualTo(1);
    assertThat(next.stored.find("r1").orElseThrow().requestedAt()).isEqualTo(T0);
  }

  @Test
  void aRunLetGoThatStartedAndEndedInAStretchACrashUndidIsCountedOnceThoughAWriteComesBetween() {
    ProcessorHarness crashed = letR1GoThenStartAndEndItUncommitted();
    assertThat(completed(crashed)).isEqualTo(1);

    // the next owner: the committed state (without r1), MongoDB as written; the start comes again,
    // then a write (a commit of the next owner's), then the end
    ProcessorHarness next = nextOwner(crashed.stored, null, T0.plusSeconds(7));
    next.start("r1", T0.plusSeconds(6), 0);
    next.commit();
    assertThat(next.metrics.runsReadFromStore()).as("the start reads it back, ended").isEqualTo(1);
    next.at(T0.plusSeconds(8));
    next.endAfterStart("r1", T0.plusSeconds(6), 1);
    next.commit();

    assertThat(completed(next)).as("the count the crash undid, counted again, once").isEqualTo(1);
    assertThat(next.stored.find("r1").orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
  }

  @Test
  void theSameCountsOnceWhenASecondCrashComesAfterTheStartWasFoldedAgainAndCommitted() {
    ProcessorHarness crashed = letR1GoThenStartAndEndItUncommitted();

    // the next owner folds the start again and commits it, then crashes before the end comes again
    ProcessorHarness next = nextOwner(crashed.stored, null, T0.plusSeconds(7));
    next.start("r1", T0.plusSeconds(6), 0);
    next.commit(); // and the Streams commit after it happens

    ProcessorHarness third = nextOwner(crashed.stored, next, T0.plusSeconds(8));
    third.endAfterStart("r1", T0.plusSeconds(6), 1);
    third.commit();

    assertThat(completed(next) + completed(third))
        .as("the count the first crash undid, counted again, once")
        .isEqualTo(1);
  }

  @Test
  void anEndThatComesAgainForARunLetGoAndChangedSinceIsNotCountedAgain() {
    ProcessorHarness task = taskThatLetR1Go();
    task.commit();
    task.at(T0.plusSeconds(6));
    task.start("r1", T0.plusSeconds(6), 0); // from the copy, queued, and started: changed
    task.commit();
    task.endAfterStart("r1", T0.plusSeconds(6), 1);
    task.endAfterStart("r1", T0.plusSeconds(6), 2); // the same end once more
    task.commit();

    assertThat(task.metrics.runsReadFromStore()).isZero();
    assertThat(completed(task)).isEqualTo(1);
  }
}
