package io.jobline.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoCommandException;
import com.mongodb.MongoNodeIsRecoveringException;
import com.mongodb.MongoWriteConcernException;
import com.mongodb.ServerAddress;
import com.mongodb.bulk.BulkWriteResult;
import com.mongodb.bulk.WriteConcernError;
import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.store.InMemoryRunLogStore;
import io.jobline.store.InMemoryRunStore;
import io.jobline.store.RunStore;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonSerializationException;
import org.bson.BsonString;
import org.junit.jupiter.api.Test;

/**
 * The writer tells which runs of its last write the store left as they were (a newer fold of each
 * stored), whether the batch went in one write or, after a refusal, run by run.
 */
class RunWriterTest {
  private static final Instant T0 = Instant.parse("2026-12-04T12:00:00Z");
  private final InMemoryRunStore stored = new InMemoryRunStore(Clock.systemUTC());

  /** The store, refusing any batch that holds a run with a {@code refuse} param (a NUL key). */
  private RunStore refusing() {
    return WatchedRunStore.of(
        stored,
        batch -> {
          if (batch.stream().anyMatch(r -> r.params() != null && r.params().has("refuse"))) {
            throw new BsonSerializationException("BSON cstring 'a' contains a null character");
          }
        });
  }

  private static RunRecord queued(String id, String param) {
    JobRequest request =
        JobRequest.manual(RunId.of(id), "noop", Json.object().put(param, 1), "t1", T0, "api");
    return new RunFold(10).apply(id, RunInput.of(request), null);
  }

  private static RunRecord started(RunRecord run) {
    RunEvent start =
        new RunEvent(
            run.runId(),
            1,
            EventType.STARTED,
            T0.plusSeconds(1),
            "executor-1",
            1,
            1,
            Json.object());
    return new RunFold(10).apply(run.runId().value(), RunInput.of(start), run);
  }

  @Test
  void theRunsLeftAsStoredAreToldInOneWriteAndRunByRun() {
    stored.upsertAll(List.of(started(queued("older", "p")))); // MongoDB holds a newer fold
    RunWriter writer =
        new RunWriter(
            new HistoryTopology.Sinks(refusing(), new InMemoryRunLogStore(), parts -> {}),
            10,
            new HistoryMetrics());

    writer.write(List.of(queued("older", "p"), queued("fine", "p")), T0);
    assertThat(writer.notWritten("older")).isTrue();
    assertThat(writer.notWritten("fine")).isFalse();

    // a batch the store refuses is written run by run: one set aside, one left as stored
    Map<String, RunRecord> stripped =
        writer.write(
            List.of(queued("older", "p"), queued("bad", "refuse"), queued("new", "p")), T0);
    assertThat(stripped).containsOnlyKeys("bad");
    assertThat(writer.notWritten("older")).isTrue();
    assertThat(writer.notWritten("bad")).isFalse();
    assertThat(writer.notWritten("new")).isFalse();
    assertThat(stored.find("new")).isPresent();

    writer.write(List.of(queued("fine2", "p")), T0);
    assertThat(writer.notWritten("older")).as("told of the last write only").isFalse();
  }

  @Test
  void theRunsOfABatchTheStoreRefusesAreSentInOneGoBeforeAnyStrippedCopyIsStored() {
    // found by review: sent one by one, each waited for its acks, and a few refused runs outlasted
    // the transaction's timeout
    List<List<String>> calls = new ArrayList<>();
    List<Boolean> anyStrippedStored = new ArrayList<>();
    RunWriter writer =
        new RunWriter(
            new HistoryTopology.Sinks(
                refusing(),
                new InMemoryRunLogStore(),
                parts -> {},
                entries -> {},
                records -> {
                  calls.add(records.stream().map(r -> r.key()).toList());
                  anyStrippedStored.add(
                      stored.find("bad1").isPresent() || stored.find("bad2").isPresent());
                }),
            10,
            new HistoryMetrics());

    Map<String, RunRecord> stripped =
        writer.write(
            List.of(queued("bad1", "refuse"), queued("fine", "p"), queued("bad2", "refuse")), T0);

    assertThat(calls).containsExactly(List.of("bad1", "bad2"));
    assertThat(anyStrippedStored).containsExactly(false);
    assertThat(stripped).containsOnlyKeys("bad1", "bad2");
    assertThat(stored.find("bad1").orElseThrow().status()).isEqualTo(RunStatus.FAILED);
    assertThat(stored.find("fine")).isPresent();
    assertThat(writer.takeDeadLetters()).as("sent, not left to forward").isEmpty();
  }

  @Test
  void aWriteConcernNotMetIsAStoreUnavailableNotARunRefused() {
    // found by review: a write concern error (a lagging replica, wtimeoutMS) or a node stepping
    // down was taken for documents refused: the whole batch was set aside as failed runs
    List<RuntimeException> failures =
        new ArrayList<>(
            List.of(
                new MongoBulkWriteException(
                    BulkWriteResult.unacknowledged(),
                    List.of(),
                    new WriteConcernError(
                        64,
                        "WriteConcernFailed",
                        "waiting for replication timed out",
                        new BsonDocument()),
                    new ServerAddress(),
                    Set.of()),
                new MongoWriteConcernException(
                    new WriteConcernError(
                        64, "WriteConcernFailed", "timed out", new BsonDocument()),
                    new ServerAddress()),
                new MongoNodeIsRecoveringException(
                    new BsonDocument("code", new BsonInt32(91)), new ServerAddress())));
    List<RuntimeException> retryable = new ArrayList<>(failures);
    MongoCommandException labelled =
        new MongoCommandException(
            new BsonDocument("ok", new BsonInt32(0))
                .append("code", new BsonInt32(189))
                .append(
                    "errorLabels", new BsonArray(List.of(new BsonString("RetryableWriteError")))),
            new ServerAddress());
    retryable.add(labelled);
    for (RuntimeException failure : retryable) {
      RuntimeException[] next = {failure};
      RunStore failingOnce =
          WatchedRunStore.of(
              stored,
              batch -> {
                RuntimeException f = next[0];
                next[0] = null;
                if (f != null) {
                  throw f;
                }
              });
      List<Object> setAside = new ArrayList<>();
      RunWriter writer =
          new RunWriter(
              new HistoryTopology.Sinks(
                  failingOnce,
                  new InMemoryRunLogStore(),
                  parts -> {},
                  entries -> {},
                  setAside::addAll),
              10,
              new HistoryMetrics());

      assertThatThrownBy(
              () -> writer.write(List.of(queued("r-" + retryable.indexOf(failure), "p")), T0))
          .as(failure.toString())
          .isSameAs(failure);
      assertThat(setAside).as(failure.toString()).isEmpty();
      assertThat(writer.takeDeadLetters()).isEmpty();
    }
  }
}
