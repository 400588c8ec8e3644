package io.jobline.history;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.run.RunRecord;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Where {@link RunState} keeps runs, and when it lets them go: stream time, no wall clock. */
class RunStateTest {
  private static final long HOUR = 3_600_000L;
  private static final long RETENTION = 4 * HOUR;
  private static final long T0 = Instant.parse("2026-12-01T10:00:00Z").toEpochMilli();

  private WindowStore<String, RunRecord> store;
  private RunState state;

  @BeforeEach
  void setUp() {
    MockProcessorContext<String, byte[]> context = new MockProcessorContext<>();
    store =
        Stores.windowStoreBuilder(
                Stores.inMemoryWindowStore(
                    HistoryTopology.RUNS_STORE,
                    Duration.ofMillis(RETENTION),
                    Duration.ofMillis(RunState.BUCKET_MS),
                    false),
                Serdes.String(),
                HistoryTopology.RECORD)
            .withLoggingDisabled()
            .build();
    store.init(context.getStateStoreContext(), store);
    state = new RunState(store, RETENTION, true);
  }

  @Test
  void aRunStoredAgainIsOverwrittenWhereItWasReadNotCopied() {
    state.put("a", run("a", "first"), T0 + 10 * 60_000);
    assertThat(state.get("a").jobName()).isEqualTo("first");
    state.put("a", run("a", "second"), T0 + HOUR + 5);

    assertThat(entries()).containsExactly(KeyValue.pair("a@" + T0, "second"));
    assertThat(state.get("a").jobName()).isEqualTo("second");
  }

  @Test
  void aRunNothingChangedForTheRetentionIsDroppedAndTheStoreHoldsOnlyRecentRuns() {
    List<String> ids = new ArrayList<>();
    for (int hour = 0; hour < 24; hour++) {
      String id = "run-" + hour;
      ids.add(id);
      state.put(id, run(id, "noop"), T0 + hour * HOUR);
      state.forget();
    }

    assertThat(state.get("run-0")).as("stored 23 hours ago, retention 4 hours").isNull();
    assertThat(state.get("run-19")).as("stored 4 hours ago: past the retention").isNull();
    assertThat(state.get("run-20")).isNotNull();
    assertThat(state.get("run-23")).isNotNull();
    assertThat(entries()).hasSize(4);
  }

  @Test
  void aRunThatStillChangesMovesForwardOnceItsPlaceIsHalfTheRetentionOldAndIsKept() {
    state.put("long", run("long", "v1"), T0);
    state.forget();
    state.get("long");
    state.put("long", run("long", "v2"), T0 + HOUR);
    assertThat(entries())
        .as("an hour old: stays")
        .containsExactly(KeyValue.pair("long@" + T0, "v2"));

    state.get("long");
    state.put("long", run("long", "v3"), T0 + 3 * HOUR);
    assertThat(entries())
        .as("three hours old, more than half of four: moved, the old place emptied")
        .containsExactly(KeyValue.pair("long@" + (T0 + 3 * HOUR), "v3"));

    state.put("other", run("other", "noop"), T0 + 6 * HOUR);
    assertThat(state.get("long"))
        .as("six hours after it was first stored, and changed three hours ago")
        .isNotNull();
  }

  @Test
  void aRunNotReadSinceTheLastWriteIsStoredAtTheCurrentHour() {
    state.put("a", run("a", "noop"), T0 + 90 * 60_000);
    assertThat(entries()).containsExactly(KeyValue.pair("a@" + (T0 + HOUR), "noop"));
  }

  /** Every entry of the store: the run id with its anchor, and the stored run's status. */
  private List<KeyValue<String, String>> entries() {
    List<KeyValue<String, String>> out = new ArrayList<>();
    try (KeyValueIterator<Windowed<String>, RunRecord> all = store.fetchAll(0L, Long.MAX_VALUE)) {
      all.forEachRemaining(
          kv ->
              out.add(
                  KeyValue.pair(kv.key.key() + "@" + kv.key.window().start(), kv.value.jobName())));
    }
    return out;
  }

  /** The run {@code id} as its request makes it, of job {@code job} (what tells versions apart). */
  @Test
  void aRunThatIsOverIsStoredAsItsStubUnlessStubsAreTurnedOff() {
    RunRecord over =
        new RunFold(10)
            .apply(
                "done",
                RunInput.of(
                    new RunEvent(
                        RunId.of("done"),
                        1,
                        EventType.COMPLETED,
                        Instant.ofEpochMilli(T0 + 20),
                        "executor-1",
                        1,
                        1,
                        Json.object())),
                run("done", "noop"));
    assertThat(RunState.over(over)).isTrue();
    state.put("done", over, T0);
    assertThat(state.get("done")).isEqualTo(RunState.stub(over));
    assertThat(RunState.isStub(state.get("done"))).isTrue();

    state.forget();
    RunState whole = new RunState(store, RETENTION, false); // history.overRunsAsStubs: false
    whole.put("done", over, T0);
    assertThat(whole.get("done")).isEqualTo(over);
    assertThat(state.get("done")).isEqualTo(over);
  }

  private static RunRecord run(String id, String job) {
    JobRequest request =
        JobRequest.manual(RunId.of(id), job, Json.object(), "t1", Instant.ofEpochMilli(T0), "api");
    return new RunFold(10).apply(id, RunInput.of(request), null);
  }

  @Test
  void aStoredRunThisVersionCannotReadIsNoneRatherThanAnErrorAtEveryStart() {
    // found by review: since times past the year 9999 are no longer read, a run an earlier version
    // kept in the state with one would have thrown at every read, stopping the task for good
    byte[] old =
        ("{\"run_id\":\"r1\",\"job_name\":\"noop\",\"status\":\"queued\","
                + "\"requested_at\":\"+10000-01-01T00:00:00Z\"}")
            .getBytes(StandardCharsets.UTF_8);
    assertThat(HistoryTopology.RECORD.deserializer().deserialize("run-state", old)).isNull();
    byte[] oldInput =
        ("{\"request\":{\"run_id\":\"r1\",\"job_name\":\"noop\","
                + "\"requested_at\":\"+10000-01-01T00:00:00Z\"}}")
            .getBytes(StandardCharsets.UTF_8);
    assertThat(HistoryTopology.INPUT.deserializer().deserialize("by-run", oldInput)).isNull();
    RunRecord readable =
        RunRecord.queued(
            JobRequest.manual(
                RunId.of("r2"),
                "noop",
                Json.object(),
                "t1",
                Instant.parse("2026-12-05T00:00:00Z"),
                "api"),
            Json.object());
    byte[] bytes = HistoryTopology.RECORD.serializer().serialize("run-state", readable);
    assertThat(HistoryTopology.RECORD.deserializer().deserialize("run-state", bytes))
        .isEqualTo(readable);
  }
}
