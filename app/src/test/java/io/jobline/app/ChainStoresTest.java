package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import io.jobline.chain.Chain;
import io.jobline.chain.ChainRun;
import io.jobline.chain.ChainStatus;
import io.jobline.chain.ChainStep;
import io.jobline.chain.OnFailure;
import io.jobline.embedded.EmbeddedMongo;
import io.jobline.store.ChainRunStore;
import io.jobline.store.ChainStore;
import io.jobline.store.MongoChainRunStore;
import io.jobline.store.MongoChainStore;
import io.jobline.wire.Json;
import io.jobline.wire.Trigger;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The chain stores on the Mongo-wire server: what the orchestrator and the API rely on. */
class ChainStoresTest {
  private static final Instant T0 = Instant.parse("2026-03-31T22:00:00Z");
  private static EmbeddedMongo server;
  private static MongoClient client;
  private static MongoDatabase db;

  @BeforeAll
  static void start() {
    server = EmbeddedMongo.start(null, 0);
    client = MongoClients.create(server.uri());
    db = client.getDatabase("chain_stores_test");
  }

  @AfterAll
  static void stop() {
    client.close();
    server.close();
  }

  private static ChainRun run(String id, String chain, String tenant, Instant at) {
    return ChainRun.start(
        id,
        Chain.linear(chain, "", List.of("settlement", "reporting")),
        tenant,
        Json.object().put("period", "2026-03"),
        Trigger.manual(),
        at,
        "test");
  }

  @Test
  void aChainRunIsCreatedOnceAndMarkedActiveUntilItEnds() {
    MongoChainRunStore store = new MongoChainRunStore(db).ensureIndexes();
    ChainRun first = run("once", "close", "t1", T0);

    assertThat(store.create(first)).isTrue();
    assertThat(store.create(run("once", "other", "t2", T0.plusSeconds(5)))).isFalse();

    assertThat(store.find("once")).contains(first);
    assertThat(store.active()).containsOnlyOnce("once");
    store.update(
        first.moved(ChainStatus.RUNNING, T0).moved(ChainStatus.CANCELLED, T0.plusSeconds(1)), 1);
    store.finished("once");
    assertThat(store.active()).doesNotContain("once");
    assertThat(store.unfinished()).extracting(ChainRun::chainRunId).doesNotContain("once");
  }

  @Test
  void theOrchestratorsUpdateKeepsACancelRequestedMeanwhile() {
    MongoChainRunStore store = new MongoChainRunStore(db);
    ChainRun read = run("raced", "close", "t1", T0);
    store.create(read);

    store.requestCancel("raced");
    store.update(read.moved(ChainStatus.RUNNING, T0.plusSeconds(1)), 1);

    ChainRun now = store.find("raced").orElseThrow();
    assertThat(now.cancelRequested()).isTrue();
    assertThat(now.status()).isEqualTo(ChainStatus.RUNNING);
    assertThat(now.startedAt()).isEqualTo(T0.plusSeconds(1));
  }

  @Test
  void aRunThatLostItsActiveMarkIsFoundAmongTheUnfinished() {
    MongoChainRunStore store = new MongoChainRunStore(db);
    store.create(run("stranded", "close", "t1", T0));
    store.finished("stranded");

    assertThat(store.unfinished()).extracting(ChainRun::chainRunId).contains("stranded");
    store.create(store.find("stranded").orElseThrow());
    assertThat(store.active()).contains("stranded");
  }

  @Test
  void chainRunsAreListedNewestFirstByChainTenantAndStatus() {
    MongoChainRunStore store = new MongoChainRunStore(db);
    store.create(run("l1", "listed", "t1", T0));
    store.create(run("l2", "listed", "t2", T0.plusSeconds(1)));
    store.create(run("l3", "listed", "t1", T0.plusSeconds(2)));

    assertThat(store.list(new ChainRunStore.Query("listed", null, null, 10)))
        .extracting(ChainRun::chainRunId)
        .containsExactly("l3", "l2", "l1");
    assertThat(store.list(new ChainRunStore.Query("listed", "t1", ChainStatus.QUEUED, 1)))
        .extracting(ChainRun::chainRunId)
        .containsExactly("l3");
  }

  @Test
  void definitionsKeepTheirStepsAndWhereTheyCameFrom() {
    MongoChainStore store = new MongoChainStore(db, Clock.systemUTC());
    Chain chain =
        Chain.chain(
            "stored",
            "d",
            ChainStep.step("settlement"),
            ChainStep.step("invoicing")
                .dependsOn("settlement")
                .onFailure(OnFailure.CONTINUE)
                .params(Map.of("x", 1)),
            ChainStep.step("reporting").dependsOn("invoicing").retry(2, 30));

    store.save(chain, ChainStore.Source.CODE);

    assertThat(store.find("stored"))
        .contains(new ChainStore.Declared(chain, ChainStore.Source.CODE));
    assertThat(store.list()).extracting(d -> d.chain().name()).contains("stored");
  }

  @Test
  void anOrchestratorWithAnOlderLeaseEpochCannotSetARunBack() {
    MongoChainRunStore store = new MongoChainRunStore(db);
    ChainRun read = run("fenced", "close", "t1", T0);
    store.create(read);

    assertThat(store.update(read.moved(ChainStatus.RUNNING, T0.plusSeconds(1)), 2)).isTrue();
    assertThat(
            store.update(
                read.moved(ChainStatus.RUNNING, T0.plusSeconds(1))
                    .moved(ChainStatus.CANCELLED, T0.plusSeconds(2)),
                1))
        .isFalse();

    assertThat(store.find("fenced").orElseThrow().status()).isEqualTo(ChainStatus.RUNNING);
    assertThat(
            store.update(
                read.moved(ChainStatus.RUNNING, T0.plusSeconds(1))
                    .moved(ChainStatus.CANCELLED, T0.plusSeconds(3)),
                2))
        .isTrue();
    assertThat(store.find("fenced").orElseThrow().status()).isEqualTo(ChainStatus.CANCELLED);
  }
}
