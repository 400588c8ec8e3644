package io.jobline.history;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.run.JobStats;
import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.store.InMemoryRunLogStore;
import io.jobline.store.InMemoryRunStore;
import io.jobline.topic.Topics;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/**
 * Kafka Streams may close a task without a commit and init the same processor again (a revived
 * task, after a send failed under exactly-once): what the processor kept in memory from the void
 * transaction must not be written, and the inputs that come again count once.
 */
class HistoryReviveTest {
  private static final Instant T0 = Instant.now();
  private final InMemoryRunStore stored = new InMemoryRunStore(Clock.systemUTC());
  private final List<JobStats> statsWritten = new ArrayList<>();
  private final MockProcessorContext<String, byte[]> context = new MockProcessorContext<>();
  private final CommitHook hook = CommitHook.builder(HistoryTopology.COMMIT_HOOK).build();

  private void addStores() {
    List<StateStore> stores =
        List.of(
            Stores.keyValueStoreBuilder(
                    Stores.inMemoryKeyValueStore(HistoryTopology.RUNS_STORE),
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
  }

  private void request(HistoryProcessor processor, long offset) {
    context.setRecordMetadata(Topics.REQUESTS.name(), 0, offset);
    JobRequest request = JobRequest.manual(RunId.of("r1"), "noop", Json.object(), "t1", T0, "api");
    processor.process(new Record<>("r1", RunInput.of(request), T0.toEpochMilli()));
  }

  private void end(HistoryProcessor processor, long offset) {
    context.setRecordMetadata(Topics.EVENTS.name(), 0, offset);
    RunEvent completed =
        new RunEvent(
            RunId.of("r1"),
            1,
            EventType.COMPLETED,
            T0.plusMillis(20),
            "executor-1",
            1,
            1,
            Json.object().set("start", Json.object().put("at", T0.plusMillis(10).toString())));
    processor.process(new Record<>("r1", RunInput.of(completed), T0.plusMillis(20).toEpochMilli()));
  }

  @Test
  void aRevivedTaskForgetsWhatItFoldedSinceItsLastCommitAndCountsTheReplayOnce() {
    addStores();
    context.setCurrentSystemTimeMs(T0.toEpochMilli());
    context.setCurrentStreamTimeMs(T0.toEpochMilli());
    HistoryProcessor processor =
        new HistoryProcessor(
            new HistoryTopology.Sinks(
                stored,
                new InMemoryRunLogStore(),
                parts -> parts.forEach(p -> statsWritten.add(p.stats()))),
            new HistorySettings(),
            new HistoryMetrics(),
            true);
    processor.init(context);
    request(processor, 0);
    end(processor, 0);

    // the transaction is void: the task is closed without a commit, and its processor started
    // again; the inputs come again from the last commit
    processor.init(context);
    hook.flushCache();
    assertThat(stored.find("r1")).as("nothing of the void transaction is written").isEmpty();
    assertThat(statsWritten).isEmpty();

    request(processor, 0);
    end(processor, 0);
    hook.flushCache();

    RunRecord run = stored.find("r1").orElseThrow();
    assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(statsWritten).hasSize(2); // the job's and the job-and-tenant's
    assertThat(statsWritten).allSatisfy(s -> assertThat(s.counts()).containsEntry("completed", 1L));
  }
}
