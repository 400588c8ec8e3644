package io.jobline.history;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.run.JobStats;
import io.jobline.run.RunRecord;
import io.jobline.store.InMemoryRunLogStore;
import io.jobline.store.InMemoryRunStore;
import io.jobline.topic.Topics;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;

/**
 * One {@link HistoryProcessor} on a mock context with in-memory state stores, the commit hook
 * called by hand ({@link #commit}), and what it writes kept: runs, and each statistics write.
 */
final class ProcessorHarness {
  final MockProcessorContext<String, byte[]> context = new MockProcessorContext<>();
  final CommitHook hook = CommitHook.builder(HistoryTopology.COMMIT_HOOK).build();
  final InMemoryRunStore stored;
  final HistoryMetrics metrics = new HistoryMetrics();

  /** Each statistics write, as the parts it wrote. */
  final List<List<JobStats>> statsWrites = new ArrayList<>();

  final HistoryProcessor processor;

  ProcessorHarness(HistorySettings settings, Instant now) {
    this(settings, now, () -> false);
  }

  /**
   * @param statsWithEveryCommit whether the statistics are written with every commit (a rebuild, a
   *     history stopping)
   */
  ProcessorHarness(HistorySettings settings, Instant now, BooleanSupplier statsWithEveryCommit) {
    this(settings, now, statsWithEveryCommit, new InMemoryRunStore(Clock.systemUTC()));
  }

  /**
   * @param stored the runs MongoDB holds, shared with an earlier harness (a task started again
   *     after a crash: its state stores are as committed, MongoDB as written)
   */
  ProcessorHarness(
      HistorySettings settings,
      Instant now,
      BooleanSupplier statsWithEveryCommit,
      InMemoryRunStore stored) {
    this.stored = stored;
    List<StateStore> stores =
        List.of(
            Stores.windowStoreBuilder(
                    Stores.inMemoryWindowStore(
                        HistoryTopology.RUNS_STORE,
                        Duration.ofMillis(settings.runStateRetention.toMilliseconds()),
                        Duration.ofMillis(RunState.BUCKET_MS),
                        false),
                    Serdes.String(),
                    HistoryTopology.RECORD)
                .withLoggingDisabled()
                .build(),
            Stores.keyValueStoreBuilder(
                    Stores.inMemoryKeyValueStore(HistoryTopology.STATS_STORE),
                    Serdes.String(),
                    HistoryTopology.STATS)
                .withLoggingDisabled()
                .build(),
            Stores.keyValueStoreBuilder(
                    Stores.inMemoryKeyValueStore(HistoryTopology.ENDS_STORE),
                    Serdes.String(),
                    Serdes.ByteArray())
                .withLoggingDisabled()
                .build(),
            Stores.keyValueStoreBuilder(
                    Stores.inMemoryKeyValueStore(HistoryTopology.HOLD_STORE),
                    Serdes.String(),
                    Serdes.String())
                .withLoggingDisabled()
                .build(),
            hook);
    for (StateStore store : stores) {
      store.init(context.getStateStoreContext(), store);
      context.addStateStore(store);
    }
    at(now);
    processor =
        new HistoryProcessor(
            new HistoryTopology.Sinks(
                stored,
                new InMemoryRunLogStore(),
                parts -> statsWrites.add(parts.stream().map(p -> p.stats()).toList())),
            settings,
            metrics,
            true,
            statsWithEveryCommit);
  }

  /**
   * Takes over the run state {@code crashed} committed (a task started again after a second crash:
   * its state is what the previous owner's last commit left).
   */
  void runStateOf(ProcessorHarness crashed) {
    WindowStore<String, RunRecord> from = crashed.context.getStateStore(HistoryTopology.RUNS_STORE);
    WindowStore<String, RunRecord> to = context.getStateStore(HistoryTopology.RUNS_STORE);
    try (KeyValueIterator<Windowed<String>, RunRecord> all = from.all()) {
      all.forEachRemaining(kv -> to.put(kv.key.key(), kv.value, kv.key.window().start()));
    }
  }

  /**
   * Takes over all the state {@code committed} holds (run state, statistics, their notes, held
   * runs): a task started again from a commit of another, whose later writes a crash undid.
   */
  void stateOf(ProcessorHarness committed) {
    runStateOf(committed);
    for (String name :
        List.of(
            HistoryTopology.STATS_STORE, HistoryTopology.ENDS_STORE, HistoryTopology.HOLD_STORE)) {
      KeyValueStore<String, Object> from = committed.context.getStateStore(name);
      KeyValueStore<String, Object> to = context.getStateStore(name);
      try (KeyValueIterator<String, Object> all = from.all()) {
        all.forEachRemaining(kv -> to.put(kv.key, kv.value));
      }
    }
  }

  /** The run as the task's state store holds it (null: not held). */
  RunRecord state(String runId) {
    WindowStore<String, RunRecord> runs = context.getStateStore(HistoryTopology.RUNS_STORE);
    try (var found = runs.backwardFetch(runId, 0L, Long.MAX_VALUE)) {
      return found.hasNext() ? found.next().value : null;
    }
  }

  /** Sets the task's wall clock and stream time. */
  void at(Instant now) {
    context.setCurrentSystemTimeMs(now.toEpochMilli());
    context.setCurrentStreamTimeMs(now.toEpochMilli());
  }

  /** Streams prepares a commit: the hook runs (history writes what it must). */
  void commit() {
    hook.flushCache();
  }

  void request(String runId, Instant at, long offset) {
    context.setRecordMetadata(Topics.REQUESTS.name(), 0, offset);
    JobRequest request = JobRequest.manual(RunId.of(runId), "noop", Json.object(), "t1", at, "api");
    processor.process(new Record<>(runId, RunInput.of(request), at.toEpochMilli()));
  }

  /** Any request, read from {@code jobline.requests} at {@code offset}. */
  void input(JobRequest request, long offset) {
    context.setRecordMetadata(Topics.REQUESTS.name(), 0, offset);
    String runId = request.runId().value();
    processor.process(
        new Record<>(runId, RunInput.of(request), request.requestedAt().toEpochMilli()));
  }

  /** Any event, read from {@code jobline.events} at {@code offset}. */
  void input(RunEvent event, long offset) {
    context.setRecordMetadata(Topics.EVENTS.name(), 0, offset);
    String runId = event.runId().value();
    processor.process(new Record<>(runId, RunInput.of(event), event.timestamp().toEpochMilli()));
  }

  /** The run's end, 20 ms after {@code at}, carrying its start (10 ms after {@code at}). */
  void end(String runId, Instant at, long offset) {
    end(runId, at, offset, "start", Json.object());
  }

  /**
   * The run's end as an executor sends one for a quick run: 20 ms after {@code at}, carrying its
   * start (job, tenant, 10 ms after {@code at}), so it is a whole run even before its request.
   */
  void quickEnd(String runId, Instant at, long offset) {
    end(runId, at, offset, "started", startFields());
  }

  /**
   * The run's start as an executor sends one for a run that lasts: 10 ms after {@code at}, sequence
   * 1 of attempt 1 ({@link #endAfterStart} is its end).
   */
  void start(String runId, Instant at, long offset) {
    event(runId, EventType.STARTED, at.plusMillis(10), 1, offset, startFields());
  }

  /** The end of a run {@link #start} started: {@code at} plus 20 ms, sequence 2. */
  void endAfterStart(String runId, Instant at, long offset) {
    event(runId, EventType.COMPLETED, at.plusMillis(20), 2, offset, Json.object());
  }

  private void event(
      String runId, EventType type, Instant at, long seq, long offset, ObjectNode payload) {
    context.setRecordMetadata(Topics.EVENTS.name(), 0, offset);
    RunEvent event = new RunEvent(RunId.of(runId), seq, type, at, "executor-1", 1, 1, payload);
    processor.process(new Record<>(runId, RunInput.of(event), at.toEpochMilli()));
  }

  /** The run failing with {@code error}, as {@link #quickEnd} ends it. */
  void fail(String runId, Instant at, long offset, String error) {
    end(runId, at, offset, EventType.FAILED, "started", startFields(), error);
  }

  /** What an executor's start carries of a run: its job and tenant. */
  private static ObjectNode startFields() {
    return Json.object().put("job_name", "noop").put("tenant_id", "t1");
  }

  /** The end, its start (10 ms after {@code at}, with {@code start}'s fields) under {@code key}. */
  private void end(String runId, Instant at, long offset, String key, ObjectNode start) {
    end(runId, at, offset, EventType.COMPLETED, key, start, null);
  }

  private void end(
      String runId,
      Instant at,
      long offset,
      EventType type,
      String key,
      ObjectNode start,
      String error) {
    context.setRecordMetadata(Topics.EVENTS.name(), 0, offset);
    ObjectNode payload = Json.object().set(key, start.put("at", at.plusMillis(10).toString()));
    if (error != null) {
      payload.put("error", error);
    }
    RunEvent completed =
        new RunEvent(RunId.of(runId), 1, type, at.plusMillis(20), "executor-1", 1, 1, payload);
    processor.process(
        new Record<>(runId, RunInput.of(completed), at.plusMillis(20).toEpochMilli()));
  }
}
