package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.MongoTimeoutException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.jobline.history.HistoryRebuild;
import io.jobline.history.HistoryTopology;
import io.jobline.history.RebuildFailedException;
import io.jobline.run.RunRecord;
import io.jobline.store.InMemoryRunLogStore;
import io.jobline.store.MongoRunLogStore;
import io.jobline.store.MongoRunStore;
import io.jobline.store.MongoStatsStore;
import io.jobline.store.RunStore;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** History is event-sourced: replaying the topics into an empty database gives the same records. */
class HistoryRebuildTest {

  @TempDir Path scratch;

  @Test
  void rebuildingFromTheTopicsGivesTheSameRunRecords() throws Exception {
    Standalone standalone = SharedStandalone.get();
    Http http = new Http(standalone.apiUrl());
    List<String> ids = new ArrayList<>();
    ids.add(
        http.post(
                "/jobs/run/settlement",
                "{\"tenant_id\":\"rb\",\"params\":{\"period\":\"2026-07\"}}")
            .body()
            .path("run_id")
            .asText());
    ids.add(
        http.post("/jobs/run/flaky", "{\"tenant_id\":\"rb\",\"params\":{\"failures\":1}}")
            .body()
            .path("run_id")
            .asText());
    ids.forEach(id -> EndToEndTest.awaitRun(http, id, "completed"));

    try (MongoClient mongo = MongoClients.create(standalone.mongoUri())) {
      MongoRunStore live = new MongoRunStore(mongo.getDatabase("jobline"), Clock.systemUTC());
      var db = mongo.getDatabase("rebuilt_" + System.nanoTime());
      MongoRunStore rebuilt = new MongoRunStore(db, Clock.systemUTC());
      var rebuiltLogs = new MongoRunLogStore(db);
      HistoryRebuild.rebuild(
          standalone.config().kafka,
          standalone.config().history,
          new HistoryTopology.Sinks(rebuilt, rebuiltLogs, new MongoStatsStore(db)::replace),
          (short) 1,
          Duration.ofMinutes(3),
          scratch,
          line -> {});
      // found by review: every rebuild left its state folder behind
      assertThat(scratch).isEmptyDirectory();
      var liveLogs = new MongoRunLogStore(mongo.getDatabase("jobline"));

      assertThat(rebuilt.count()).isGreaterThanOrEqualTo(ids.size());
      for (String id : ids) {
        RunRecord a = live.find(id).orElseThrow();
        RunRecord b = rebuilt.find(id).orElseThrow();
        assertThat(b.status()).isEqualTo(a.status());
        assertThat(b.result()).isEqualTo(a.result());
        assertThat(b.attempts()).isEqualTo(a.attempts());
        assertThat(b.logs()).isEqualTo(a.logs());
        assertThat(b.trigger()).isEqualTo(a.trigger());
        assertThat(b.startedAt()).isEqualTo(a.startedAt());
        assertThat(b.completedAt()).isEqualTo(a.completedAt());
        assertThat(rebuiltLogs.page(id, 0, 100)).isEqualTo(liveLogs.page(id, 0, 100));
      }

      long before = rebuilt.count();
      assertThat(rebuilt.deleteRequestedBefore(Instant.now().plusSeconds(60))).isEqualTo(before);
      assertThat(rebuilt.count()).isZero();
    }
  }

  @Test
  void aRebuildWhoseStoreIsDownStopsAtOnceWithTheCause() throws Exception {
    // found by review: it waited out the whole timeout, then reported a timeout
    Standalone standalone = SharedStandalone.get();
    Http http = new Http(standalone.apiUrl());
    String id =
        http.post("/jobs/run/noop", "{\"tenant_id\":\"rb\",\"params\":{}}")
            .body()
            .path("run_id")
            .asText();
    EndToEndTest.awaitRun(http, id, "completed");
    RunStore down =
        (RunStore)
            Proxy.newProxyInstance(
                RunStore.class.getClassLoader(),
                new Class<?>[] {RunStore.class},
                (proxy, method, args) -> {
                  throw new MongoTimeoutException("MongoDB is down (test)");
                });

    assertThatThrownBy(
            () ->
                HistoryRebuild.rebuild(
                    standalone.config().kafka,
                    standalone.config().history,
                    new HistoryTopology.Sinks(down, new InMemoryRunLogStore(), parts -> {}),
                    (short) 1,
                    Duration.ofMinutes(1),
                    scratch,
                    line -> {}))
        .isInstanceOf(RebuildFailedException.class)
        .hasMessageContaining("MongoDB is down (test)")
        .rootCause()
        .isInstanceOf(MongoTimeoutException.class);
    assertThat(scratch).isEmptyDirectory();
  }
}
