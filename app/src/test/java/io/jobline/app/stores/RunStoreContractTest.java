package io.jobline.app.stores;

import static io.jobline.app.stores.ContractMongo.CLOCK;
import static io.jobline.app.stores.ContractMongo.T0;
import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import io.jobline.embedded.EmbeddedMongo;
import io.jobline.run.LogEntry;
import io.jobline.run.RunOptions;
import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.store.InMemoryRunStore;
import io.jobline.store.MongoRunStore;
import io.jobline.store.RunStore;
import io.jobline.store.RunStore.RunQuery;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import io.jobline.wire.Scope;
import io.jobline.wire.Trigger;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The run store's contract, run against its in-memory twin and its Mongo implementation. */
class RunStoreContractTest {
  private static ContractMongo mongo;

  @BeforeAll
  static void start() {
    mongo = ContractMongo.start();
  }

  @AfterAll
  static void stop() {
    mongo.close();
  }

  abstract static class RunStoreContract {
    abstract RunStore store();

    static RunRecord run(
        String id, String job, String tenant, RunStatus status, Instant requestedAt) {
      return new RunRecord(
          RunId.of(id),
          job,
          tenant,
          Json.object().put("n", 1),
          Trigger.manual(),
          status,
          1,
          1,
          "executor-1",
          requestedAt,
          status == RunStatus.QUEUED ? null : requestedAt.plusSeconds(1),
          status.isTerminal() ? requestedAt.plusSeconds(3) : null,
          null,
          null,
          null,
          null,
          List.of(),
          false,
          List.of(),
          null,
          null,
          null);
    }

    static RunRecord folded(String id, RunStatus status, long seq, boolean requested) {
      return folded(id, status, seq == 0 ? Map.of() : Map.of("1:1", seq), requested);
    }

    static RunRecord folded(
        String id, RunStatus status, Map<String, Long> applied, boolean requested) {
      RunRecord r = run(id, "job", "t1", status, T0);
      return new RunRecord(
          r.runId(),
          r.jobName(),
          r.tenantId(),
          r.params(),
          r.trigger(),
          r.status(),
          r.attempt(),
          r.epoch(),
          r.executorId(),
          requested ? r.requestedAt() : null,
          r.startedAt(),
          r.completedAt(),
          r.result(),
          r.error(),
          r.progress(),
          r.progressMessage(),
          r.logs(),
          r.logsTruncated(),
          r.attempts(),
          r.parentRunId(),
          applied,
          null);
    }

    @Test
    void aRetryMarkedWithTheHighestSequenceAndTheNextAttemptAfterItAreWritten() {
      RunStore s = store();
      s.upsertAll(List.of(folded("r-retry", RunStatus.FAILED, 7, true)));

      // the api's retry event carries Long.MAX_VALUE as its sequence
      s.upsertAll(List.of(folded("r-retry", RunStatus.QUEUED, Long.MAX_VALUE, true)));
      assertThat(s.find("r-retry").orElseThrow().status()).isEqualTo(RunStatus.QUEUED);
      s.upsertAll(
          List.of(
              folded(
                  "r-retry", RunStatus.COMPLETED, Map.of("1:1", Long.MAX_VALUE, "2:2", 3L), true)));
      assertThat(s.find("r-retry").orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
      s.upsertAll(List.of(folded("r-retry", RunStatus.FAILED, 7, true)));
      assertThat(s.find("r-retry").orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
    }

    @Test
    void anOlderFoldOfARunNeverReplacesANewerOneAndTheRestOfTheBatchIsWritten() {
      RunStore s = store();
      assertThat(s.upsertAll(List.of(folded("r-rank", RunStatus.COMPLETED, 3, true)))).isEmpty();

      // what a fenced history instance folded before it lost the partition, in one batch with a
      // run it is the first to write: the runs not written are told
      assertThat(
              s.upsertAll(
                  List.of(
                      folded("r-rank", RunStatus.RUNNING, 1, true),
                      folded("r-other", RunStatus.QUEUED, 0, true),
                      folded("r-rank", RunStatus.QUEUED, 0, true))))
          .containsExactly("r-rank");
      assertThat(s.find("r-rank").orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
      assertThat(s.find("r-other").orElseThrow().status()).isEqualTo(RunStatus.QUEUED);

      // the same fold written again, and one that folded the request in too, replace it
      s.upsertAll(List.of(folded("r-rank", RunStatus.FAILED, 3, false)));
      assertThat(s.find("r-rank").orElseThrow().status())
          .as("an end without its request ranks below the same end with it")
          .isEqualTo(RunStatus.COMPLETED);
      assertThat(s.upsertAll(List.of(folded("r-rank", RunStatus.CANCELLED, 3, true)))).isEmpty();
      assertThat(s.find("r-rank").orElseThrow().status()).isEqualTo(RunStatus.CANCELLED);
      s.upsertAll(List.of(folded("r-rank", RunStatus.FAILED, 4, false)));
      assertThat(s.find("r-rank").orElseThrow().status()).isEqualTo(RunStatus.FAILED);
      assertThat(s.find("r-rank").orElseThrow().appliedSeq()).containsEntry("1:1", 4L);
    }

    @Test
    void manyRunsAreFoundWholeByIdInOneCallAndMissingOnesLeftOut() {
      RunStore s = store();
      List<RunRecord> stored = new ArrayList<>();
      List<String> asked = new ArrayList<>();
      for (int i = 0; i < 70; i++) { // more than one read's chunk on the embedded store
        stored.add(folded("r-all-" + i, RunStatus.COMPLETED, i + 1, true));
        asked.add("r-all-" + i);
        asked.add("r-none-" + i);
      }
      s.upsertAll(stored);

      Map<String, RunRecord> found = s.findAll(asked);

      assertThat(found).hasSize(70).doesNotContainKey("r-none-0");
      for (RunRecord r : stored) {
        assertThat(found.get(r.runId().value())).isEqualTo(s.find(r.runId().value()).orElseThrow());
      }
      assertThat(found.get("r-all-9").appliedSeq()).containsEntry("1:1", 10L);
      assertThat(s.findAll(List.of())).isEmpty();
    }

    @Test
    void aBatchOfManyRunsIsRankedAndLookedUpWhole() {
      RunStore s = store();
      List<RunRecord> newer = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        newer.add(folded("r-many-" + i, RunStatus.COMPLETED, 3, true));
      }
      s.upsertAll(newer);

      // older folds of every run, and a run not stored yet at the end: each older fold is refused
      // by the rank stored with its run, and the new run is written
      List<RunRecord> older = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        older.add(folded("r-many-" + i, RunStatus.RUNNING, 1, true));
      }
      older.add(folded("r-many-new", RunStatus.RUNNING, 1, true));
      s.upsertAll(older);

      List<String> ids = new ArrayList<>();
      older.forEach(r -> ids.add(r.runId().value()));
      ids.add("r-many-none");
      Map<String, RunStatus> statuses = s.statuses(ids);
      assertThat(statuses).hasSize(101).doesNotContainKey("r-many-none");
      for (int i = 0; i < 100; i++) {
        assertThat(statuses).containsEntry("r-many-" + i, RunStatus.COMPLETED);
      }
      assertThat(statuses).containsEntry("r-many-new", RunStatus.RUNNING);
      assertThat(s.timings(ids)).hasSize(101);
    }

    @Test
    void aRunWrittenTwiceIsFoundOnceAsWrittenLast() {
      RunStore s = store();
      s.upsertAll(List.of(run("r1", "job", "t1", RunStatus.RUNNING, T0)));
      s.upsertAll(List.of(run("r1", "job", "t1", RunStatus.COMPLETED, T0)));
      RunRecord found = s.find("r1").orElseThrow();
      assertThat(found.status()).isEqualTo(RunStatus.COMPLETED);
      assertThat(found.completedAt()).isEqualTo(T0.plusSeconds(3));
      assertThat(found.params().path("n").asInt()).isEqualTo(1);
      assertThat(s.count()).isEqualTo(1);
      assertThat(s.find("nope")).isEmpty();
    }

    @Test
    void whatTheRequestAskedForIsReadBackAsWritten() {
      RunStore s = store();
      RunRecord r = run("r-options", "job", "t1", RunStatus.FAILED, T0);
      RunOptions asked = new RunOptions(Scope.PARENT_TENANT, 30, 5, 60);
      s.upsertAll(
          List.of(
              new RunRecord(
                  r.runId(),
                  r.jobName(),
                  r.tenantId(),
                  r.params(),
                  r.trigger(),
                  r.status(),
                  r.attempt(),
                  r.epoch(),
                  r.executorId(),
                  r.requestedAt(),
                  r.startedAt(),
                  r.completedAt(),
                  r.result(),
                  r.error(),
                  r.progress(),
                  r.progressMessage(),
                  r.logs(),
                  r.logsTruncated(),
                  r.attempts(),
                  r.parentRunId(),
                  Map.of("1:1", 3L),
                  asked)));
      assertThat(s.find("r-options").orElseThrow().options()).isEqualTo(asked);
      s.upsertAll(List.of(run("r-none", "job", "t1", RunStatus.FAILED, T0)));
      assertThat(s.find("r-none").orElseThrow().options()).isNull();
    }

    @Test
    void statusesAnswerForTheRunsKnownOnly() {
      RunStore s = store();
      s.upsertAll(
          List.of(
              run("a", "job", "t1", RunStatus.FAILED, T0),
              run("b", "job", "t1", RunStatus.RUNNING, T0)));
      assertThat(s.statuses(List.of("a", "b", "c")))
          .isEqualTo(Map.of("a", RunStatus.FAILED, "b", RunStatus.RUNNING));
      assertThat(s.countByStatus(RunStatus.FAILED)).isEqualTo(1);
    }

    @Test
    void pagesListNewestFirstFilteredAndFollowTheirCursorWithoutGapsOrRepeats() {
      RunStore s = store();
      List<RunRecord> all = new ArrayList<>();
      for (int i = 0; i < 7; i++) {
        all.add(
            run(
                "p" + i,
                i % 2 == 0 ? "even" : "odd",
                "t-page",
                RunStatus.COMPLETED,
                T0.plusSeconds(i)));
      }
      all.add(run("same-time", "even", "t-page", RunStatus.COMPLETED, T0.plusSeconds(4)));
      s.upsertAll(all);

      List<String> seen = new ArrayList<>();
      RunStore.Cursor after = null;
      for (int page = 0; page < 10; page++) {
        List<RunRecord> got =
            s.list(new RunQuery(null, "t-page", null, null, null, null, null, false, after, 3));
        got.forEach(r -> seen.add(r.runId().value()));
        if (got.size() < 3) {
          break;
        }
        RunRecord last = got.get(got.size() - 1);
        after = new RunStore.Cursor(last.requestedAt(), last.runId().value());
      }
      assertThat(seen).hasSize(8).doesNotHaveDuplicates();
      assertThat(seen.get(0)).isEqualTo("p6");
      assertThat(seen.get(seen.size() - 1)).isEqualTo("p0");

      List<RunRecord> odd =
          s.list(new RunQuery("odd", null, null, null, null, null, null, true, null, 10));
      assertThat(odd).extracting(r -> r.runId().value()).containsExactly("p1", "p3", "p5");
      assertThat(
              s.list(
                  new RunQuery(
                      null, null, RunStatus.FAILED, null, null, null, null, false, null, 10)))
          .isEmpty();
    }

    @Test
    void aPageListsRunsWithoutTheirParamsResultAndLogLinesWhichTheirOwnReadHas() {
      // found by review: a page of 500 runs of a thousand log lines each was read whole, hundreds
      // of megabytes an api request
      RunStore s = store();
      RunRecord r = run("heavy", "heavy-job", "t-heavy", RunStatus.COMPLETED, T0);
      RunRecord heavy =
          new RunRecord(
              r.runId(),
              r.jobName(),
              r.tenantId(),
              Json.object().put("period", "2026-03"),
              r.trigger(),
              r.status(),
              r.attempt(),
              r.epoch(),
              r.executorId(),
              r.requestedAt(),
              r.startedAt(),
              r.completedAt(),
              Json.object().put("rows", 7),
              "an error",
              100,
              "done",
              List.of(new LogEntry(T0.plusSeconds(1), "info", "a line", 50)),
              false,
              List.of(),
              null,
              null,
              null);
      s.upsertAll(List.of(heavy));

      RunRecord listed =
          s.list(new RunQuery("heavy-job", null, null, null, null, null, null, false, null, 10))
              .get(0);
      assertThat(listed.params()).isNull();
      assertThat(listed.result()).isNull();
      assertThat(listed.logs()).isEmpty();
      assertThat(listed.error()).isEqualTo("an error");
      assertThat(listed.progress()).isEqualTo(100);
      assertThat(listed.status()).isEqualTo(RunStatus.COMPLETED);
      assertThat(listed.completedAt()).isEqualTo(heavy.completedAt());
      RunRecord own = s.find("heavy").orElseThrow();
      assertThat(own.params().path("period").asText()).isEqualTo("2026-03");
      assertThat(own.result().path("rows").asInt()).isEqualTo(7);
      assertThat(own.logs()).hasSize(1);
    }

    @Test
    void pagesOverRunsWithoutARequestTimeListEachOnceInBothOrders() {
      // found by review: a missed fire has no requested_at in MongoDB; a cursor at one was
      // ignored (its page came again for ever), and newest first none was listed past page one
      RunStore s = store();
      List<RunRecord> all = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        all.add(run("d" + i, "job", "t-undated", RunStatus.COMPLETED, T0.plusSeconds(i)));
        all.add(folded("u" + i, "t-undated"));
      }
      s.upsertAll(all);

      for (boolean ascending : List.of(true, false)) {
        List<String> seen = new ArrayList<>();
        RunStore.Cursor after = null;
        for (int page = 0; page < 20; page++) {
          List<RunRecord> got =
              s.list(
                  new RunQuery(
                      null, "t-undated", null, null, null, null, null, ascending, after, 3));
          got.forEach(r -> seen.add(r.runId().value()));
          if (got.size() < 3) {
            break;
          }
          RunRecord last = got.get(got.size() - 1);
          after = new RunStore.Cursor(last.requestedAt(), last.runId().value());
        }
        assertThat(seen)
            .as(ascending ? "oldest first" : "newest first")
            .hasSize(8)
            .doesNotHaveDuplicates();
        assertThat(seen.get(ascending ? 7 : 0)).isEqualTo("d3");
      }
    }

    /** A run of tenant {@code tenant} without a requested_at (a missed fire, as stored before). */
    private static RunRecord folded(String id, String tenant) {
      RunRecord r = folded(id, RunStatus.MISSED, 0, false);
      return new RunRecord(
          r.runId(),
          r.jobName(),
          tenant,
          r.params(),
          r.trigger(),
          r.status(),
          r.attempt(),
          r.epoch(),
          r.executorId(),
          null,
          null,
          r.completedAt(),
          r.result(),
          r.error(),
          r.progress(),
          r.progressMessage(),
          r.logs(),
          r.logsTruncated(),
          r.attempts(),
          r.parentRunId(),
          r.appliedSeq(),
          null);
    }

    @Test
    void retentionDeletesWhatWasRequestedBeforeTheCutoffAndSaysHowMany() {
      RunStore s = store();
      s.upsertAll(
          List.of(
              run("old1", "job", "t", RunStatus.COMPLETED, T0.minusSeconds(100)),
              run("old2", "job", "t", RunStatus.FAILED, T0.minusSeconds(50)),
              run("new", "job", "t", RunStatus.COMPLETED, T0)));
      assertThat(s.deleteRequestedBefore(T0.minusSeconds(10))).isEqualTo(2);
      assertThat(s.find("old1")).isEmpty();
      assertThat(s.find("new")).isPresent();
      assertThat(s.since("job", "t", T0.minusSeconds(1000)))
          .extracting(r -> r.runId().value())
          .containsExactly("new");
    }
  }

  @Nested
  class InMemoryRunStoreAgrees extends RunStoreContract {
    @Override
    RunStore store() {
      return new InMemoryRunStore(CLOCK);
    }
  }

  @Nested
  class MongoRunStoreAgrees extends RunStoreContract {
    @Override
    RunStore store() {
      return new MongoRunStore(mongo.freshDatabase(), CLOCK).ensureIndexes();
    }

    @Test
    void aRunStoredWithoutARankByAnEarlierVersionIsReplaced() {
      MongoDatabase db = mongo.freshDatabase();
      db.getCollection(MongoRunStore.COLLECTION)
          .insertOne(new Document("_id", "r-old").append("status", "running"));
      RunStore s = new MongoRunStore(db, CLOCK);

      s.upsertAll(List.of(folded("r-old", RunStatus.COMPLETED, 2, true)));

      assertThat(s.find("r-old").orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
    }
  }

  /**
   * The same on the data-folder store ({@code standalone}'s), whose collections are the H2 ones.
   */
  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class MongoRunStoreOnTheDataFolderStoreAgrees extends RunStoreContract {
    private EmbeddedMongo h2;
    private MongoClient client;

    @BeforeAll
    void startH2(@TempDir Path dir) {
      h2 = EmbeddedMongo.start(dir.resolve("contract.h2"), 0);
      client = MongoClients.create(h2.uri());
    }

    @AfterAll
    void stopH2() {
      client.close();
      h2.close();
    }

    @Override
    RunStore store() {
      String db = "contract_" + UUID.randomUUID().toString().substring(0, 8);
      return new MongoRunStore(client.getDatabase(db), CLOCK).ensureIndexes();
    }
  }
}
