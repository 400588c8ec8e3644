package io.jobline.history;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.run.JobStats;
import io.jobline.store.StatsStore;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

/**
 * A task counts the runs that end into its statistics at every write and writes them to MongoDB
 * every {@code history.statsInterval}, but puts them in their state store only every few seconds:
 * meanwhile what each write counted is in its journal, committed with the runs, and a task started
 * again adds that once.
 */
class EndsJournalTest {
  private static final Instant T0 = Instant.parse("2026-12-04T03:00:00Z");
  private static final String JOB = StatsStore.key("noop", null);
  private static final String JOB_AND_TENANT = StatsStore.key("noop", "t1");

  private static KeyValueStore<String, JobStats> statsStore(ProcessorHarness task) {
    return task.context.getStateStore(HistoryTopology.STATS_STORE);
  }

  /** The journal's entries (not its note of the generation stored), by key. */
  private static List<KeyValue<String, byte[]>> journal(ProcessorHarness task) {
    KeyValueStore<String, byte[]> store = task.context.getStateStore(HistoryTopology.ENDS_STORE);
    List<KeyValue<String, byte[]>> all = new ArrayList<>();
    try (KeyValueIterator<String, byte[]> it = store.all()) {
      it.forEachRemaining(
          kv -> {
            if (kv.key.startsWith("ends:")) {
              all.add(kv);
            }
          });
    }
    return all;
  }

  private static long completed(JobStats stats) {
    return stats == null ? 0 : stats.counts().getOrDefault("completed", 0L);
  }

  private static JobStats lastWritten(ProcessorHarness task, String tenant) {
    return task.statsWrites.get(task.statsWrites.size() - 1).stream()
        .filter(s -> tenant == null ? s.tenantId() == null : tenant.equals(s.tenantId()))
        .findFirst()
        .orElseThrow();
  }

  /** A task started on empty state at {@code T0}. */
  private static ProcessorHarness started() {
    ProcessorHarness task = new ProcessorHarness(new HistorySettings(), T0);
    task.processor.init(task.context);
    return task;
  }

  /**
   * Run {@code i} of the sequence every test folds, 100 ms after the one before: requested and
   * ended, failed when {@code i % 3 == 2}; then a commit.
   */
  private static void run(ProcessorHarness task, int i) {
    fold(task, i);
    task.commit();
  }

  /** Run {@code i} as {@link #run} folds it, without the commit. */
  private static void fold(ProcessorHarness task, int i) {
    Instant at = T0.plusMillis(100L * i);
    task.at(at);
    task.request("r" + i, at, i);
    if (i % 3 == 2) {
      task.fail("r" + i, at, i, "boom " + i);
    } else {
      task.quickEnd("r" + i, at, i);
    }
  }

  @Test
  void endsAreJournaledOncePerWriteAndTheStatisticsStoredEveryFewSeconds() {
    ProcessorHarness task = started();
    run(task, 0); // the first commit stores and writes at once
    assertThat(completed(statsStore(task).get(JOB_AND_TENANT))).isEqualTo(1);
    assertThat(journal(task)).isEmpty();

    run(task, 1);
    run(task, 2);
    assertThat(completed(statsStore(task).get(JOB))).as("not stored within the interval").isOne();
    assertThat(journal(task))
        .as("one entry per write, whatever the keys it counted under")
        .hasSize(2);
    Map<String, JobStats> first = EndsJournal.read(journal(task).get(0).value);
    assertThat(first)
        .as("the statistics of r1 alone, under its job and its job and tenant")
        .containsOnlyKeys(JOB, JOB_AND_TENANT);
    assertThat(first.get(JOB_AND_TENANT).counts()).containsExactly(Map.entry("completed", 1L));
    assertThat(first.get(JOB_AND_TENANT).durations()).hasSize(1);

    task.at(T0.plusMillis(1_000));
    task.commit();
    assertThat(completed(lastWritten(task, null)))
        .as("written to MongoDB every history.statsInterval")
        .isEqualTo(2);
    assertThat(completed(statsStore(task).get(JOB))).as("not stored yet").isOne();

    task.at(T0.plusMillis(HistoryProcessor.STORE_STATS_EVERY_MS));
    task.commit();
    assertThat(completed(statsStore(task).get(JOB))).isEqualTo(2);
    assertThat(statsStore(task).get(JOB).counts()).containsEntry("failed", 1L);

    task.processor.init(task.context); // the entries stored are not counted again
    task.commit();
    assertThat(completed(lastWritten(task, null))).isEqualTo(2);
    assertThat(lastWritten(task, "t1").counts()).containsEntry("failed", 1L);
  }

  @Test
  void aTaskStartedAgainCountsItsJournaledEndsOnceHoweverOftenItRestarts() {
    ProcessorHarness task = started();
    run(task, 0);
    run(task, 1);
    run(task, 2); // committed as journal entries: then the process dies
    assertThat(journal(task)).hasSize(2);

    task.processor.init(task.context); // started again on what the commits left
    task.processor.init(task.context); // and again, before any commit
    run(task, 4);
    assertThat(completed(lastWritten(task, null)))
        .as("r0, r1 and r4 completed, each once")
        .isEqualTo(3);
    assertThat(lastWritten(task, "t1").counts()).containsEntry("failed", 1L);
    assertThat(completed(statsStore(task).get(JOB_AND_TENANT)))
        .as("stored with the first write after a start")
        .isEqualTo(3);

    run(task, 6); // journaled again, then a crash
    task.processor.init(task.context);
    task.at(T0.plusSeconds(5));
    task.commit();
    assertThat(completed(lastWritten(task, null))).isEqualTo(4);
    task.processor.init(task.context);
    task.commit();
    assertThat(lastWritten(task, null).counts())
        .as("the notes of the generation stored are not counted again")
        .isEqualTo(Map.of("completed", 4L, "failed", 1L));
    assertThat(lastWritten(task, null).durations()).hasSize(5);
  }

  @Test
  void aCrashBetweenAWriteAndItsCommitCountsTheWritesRunsOnceWhenFoldedAgain() {
    HistorySettings settings = new HistorySettings();
    settings.batchSize = 2; // several writes, and notes, per commit
    ProcessorHarness task = new ProcessorHarness(settings, T0);
    task.processor.init(task.context);
    for (int i = 0; i < 4; i++) {
      run(task, i);
    }
    // what the last commit left; then more runs are written and noted, and the Streams commit
    // after that write does not happen
    ProcessorHarness committed = new ProcessorHarness(settings, T0, () -> false, task.stored);
    committed.stateOf(task);
    for (int i = 4; i < 9; i++) {
      fold(task, i); // written two at a time (batchSize), noted with each write
    }
    assertThat(journal(task)).hasSizeGreaterThan(journal(committed).size());
    task.at(T0.plusSeconds(10));
    task.commit();

    // the next owner starts from the commit, MongoDB as written, and folds those inputs again
    committed.processor.init(committed.context);
    for (int i = 4; i < 9; i++) {
      fold(committed, i);
    }
    committed.at(T0.plusSeconds(10));
    committed.commit();

    assertThat(lastWritten(committed, "t1")).isEqualTo(lastWritten(task, "t1"));
    assertThat(lastWritten(committed, null)).isEqualTo(lastWritten(task, null));
    assertThat(lastWritten(task, null).counts()).isEqualTo(Map.of("completed", 6L, "failed", 3L));
  }

  @Test
  void aNoteTooLargeForOneRecordStoresTheStatisticsInstead() {
    ProcessorHarness task = started();
    run(task, 0); // stored: the first write
    Instant at = T0.plusMillis(100);
    task.at(at);
    // a failure's error is kept to 8 Ki characters (RunFold.MAX_TEXT_CHARS), noted once per key:
    // forty tenants' failures in one write are over the largest note
    for (int i = 0; i < 40; i++) {
      task.input(
          JobRequest.manual(RunId.of("long-" + i), "noop", Json.object(), "tenant-" + i, at, "api"),
          1 + i);
      task.fail("long-" + i, at, 100 + i, "x".repeat(RunFold.MAX_TEXT_CHARS));
    }
    task.commit();

    assertThat(journal(task)).as("no note").isEmpty();
    assertThat(statsStore(task).get(JOB).counts()).containsEntry("failed", 40L);
    task.processor.init(task.context);
    task.commit();
    assertThat(lastWritten(task, null).counts()).isEqualTo(Map.of("completed", 1L, "failed", 40L));
  }

  @Test
  void statisticsRestoredFromTheJournalAreThoseOfATaskThatNeverStopped() {
    ProcessorHarness steady = new ProcessorHarness(new HistorySettings(), T0);
    ProcessorHarness restarted = new ProcessorHarness(new HistorySettings(), T0);
    steady.processor.init(steady.context);
    restarted.processor.init(restarted.context);
    for (int i = 0; i < 9; i++) {
      run(steady, i);
      run(restarted, i);
      if (i % 4 == 2) {
        restarted.processor.init(restarted.context);
      }
    }
    for (ProcessorHarness task : List.of(steady, restarted)) {
      task.at(T0.plusSeconds(10));
      task.commit();
    }

    JobStats expected = lastWritten(steady, "t1");
    assertThat(lastWritten(restarted, "t1"))
        .as("counts, durations in order, the last failure")
        .isEqualTo(expected);
    assertThat(expected.lastFailure().error()).isEqualTo("boom 8");
    assertThat(expected.durations()).hasSize(9);
    assertThat(lastWritten(restarted, null)).isEqualTo(lastWritten(steady, null));
  }

  @Test
  void theNextEntriesAfterTheStatisticsAreStoredTakeTheSameKeysAgain() {
    ProcessorHarness task = started();
    run(task, 0);
    run(task, 1);
    List<String> before = journal(task).stream().map(kv -> kv.key).toList();
    assertThat(before).hasSize(1);
    Instant later = T0.plusSeconds(6);
    task.at(later);
    task.commit(); // stores the statistics

    task.request("r9", later, 9);
    task.quickEnd("r9", later, 9);
    task.commit();
    assertThat(journal(task))
        .as("the changelog, compacted, keeps one interval's keys")
        .extracting(kv -> kv.key)
        .isEqualTo(before);
    assertThat(EndsJournal.read(journal(task).get(0).value).get(JOB).durations())
        .extracting(JobStats.Timed::endedAt)
        .containsExactly(later.plusMillis(20).toEpochMilli());
  }
}
