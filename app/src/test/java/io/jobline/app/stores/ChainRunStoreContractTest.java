package io.jobline.app.stores;

import static io.jobline.app.stores.ContractMongo.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.chain.Chain;
import io.jobline.chain.ChainRun;
import io.jobline.chain.ChainStatus;
import io.jobline.store.ChainRunStore;
import io.jobline.store.InMemoryChainRunStore;
import io.jobline.store.MongoChainRunStore;
import io.jobline.wire.Json;
import io.jobline.wire.Trigger;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The chain run store's contract (what the orchestrator and the API rely on), run against its
 * in-memory twin and its Mongo implementation.
 */
class ChainRunStoreContractTest {
  private static ContractMongo mongo;

  @BeforeAll
  static void start() {
    mongo = ContractMongo.start();
  }

  @AfterAll
  static void stop() {
    mongo.close();
  }

  abstract static class ChainRunStoreContract {
    abstract ChainRunStore store();

    static ChainRun run(String id, String chain, String tenant, Instant at) {
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
      ChainRunStore s = store();
      ChainRun first = run("once", "close", "t1", T0);

      assertThat(s.create(first)).isTrue();
      assertThat(s.create(run("once", "other", "t2", T0.plusSeconds(5)))).isFalse();

      assertThat(s.find("once")).contains(first);
      assertThat(s.find("nope")).isEmpty();
      assertThat(s.active()).containsExactly("once");
      s.update(
          first.moved(ChainStatus.RUNNING, T0).moved(ChainStatus.CANCELLED, T0.plusSeconds(1)), 1);
      s.finished("once");
      assertThat(s.active()).isEmpty();
      assertThat(s.unfinished()).isEmpty();
      assertThat(s.find("once").orElseThrow().endedAt()).isEqualTo(T0.plusSeconds(1));
    }

    @Test
    void theOrchestratorsUpdateKeepsACancelRequestedMeanwhile() {
      ChainRunStore s = store();
      ChainRun read = run("raced", "close", "t1", T0);
      s.create(read);

      s.requestCancel("raced");
      s.update(read.moved(ChainStatus.RUNNING, T0.plusSeconds(1)), 1);

      ChainRun now = s.find("raced").orElseThrow();
      assertThat(now.cancelRequested()).isTrue();
      assertThat(now.status()).isEqualTo(ChainStatus.RUNNING);
      assertThat(now.startedAt()).isEqualTo(T0.plusSeconds(1));
    }

    @Test
    void anUpdateWritesOnlyStatusStepsAndTimesAndNoneIsWrittenForARunNeverCreated() {
      ChainRunStore s = store();
      ChainRun created = run("kept", "close", "t1", T0);
      s.create(created);
      ChainRun elsewhere = run("kept", "renamed", "t2", T0.plusSeconds(9));

      assertThat(s.update(elsewhere.moved(ChainStatus.RUNNING, T0.plusSeconds(1)), 1)).isTrue();
      ChainRun now = s.find("kept").orElseThrow();
      assertThat(now.status()).isEqualTo(ChainStatus.RUNNING);
      assertThat(now.startedAt()).isEqualTo(T0.plusSeconds(1));
      assertThat(now.chainName()).isEqualTo("close");
      assertThat(now.tenantId()).isEqualTo("t1");
      assertThat(now.requestedAt()).isEqualTo(T0);

      assertThat(s.update(run("ghost", "close", "t1", T0).moved(ChainStatus.RUNNING, T0), 1))
          .isFalse();
      s.requestCancel("ghost");
      assertThat(s.find("ghost")).isEmpty();
      assertThat(s.unfinished()).extracting(ChainRun::chainRunId).containsExactly("kept");
    }

    @Test
    void aRunThatLostItsActiveMarkIsFoundAmongTheUnfinished() {
      ChainRunStore s = store();
      s.create(run("stranded", "close", "t1", T0));
      s.finished("stranded");

      assertThat(s.active()).isEmpty();
      assertThat(s.unfinished()).extracting(ChainRun::chainRunId).containsExactly("stranded");
      s.create(s.find("stranded").orElseThrow());
      assertThat(s.active()).containsExactly("stranded");
    }

    @Test
    void aNewRunIsMarkedActiveAsCreatedAndOneSeenAgainOnlyWhileItHasNotEnded() {
      ChainRunStore s = store();
      ChainRun seen = run("seen", "close", "t1", T0);
      s.create(seen);
      s.update(
          seen.moved(ChainStatus.RUNNING, T0).moved(ChainStatus.CANCELLED, T0.plusSeconds(1)), 1);
      s.finished("seen");
      assertThat(s.create(seen)).isFalse();
      assertThat(s.active()).isEmpty();

      ChainRun endedBeforeStored =
          run("born-ended", "close", "t1", T0)
              .moved(ChainStatus.RUNNING, T0)
              .moved(ChainStatus.CANCELLED, T0);
      assertThat(s.create(endedBeforeStored)).isTrue();
      assertThat(s.active()).containsExactly("born-ended");
      assertThat(s.unfinished()).isEmpty();
    }

    @Test
    void chainRunsAreListedNewestFirstByChainTenantAndStatus() {
      ChainRunStore s = store();
      s.create(run("l1", "listed", "t1", T0));
      s.create(run("l2", "listed", "t2", T0.plusSeconds(1)));
      s.create(run("l3", "listed", "t1", T0.plusSeconds(2)));
      s.create(run("same-time", "listed", "t1", T0.plusSeconds(2)));
      s.create(run("x", "other", "t1", T0.plusSeconds(3)));
      s.update(run("l1", "listed", "t1", T0).moved(ChainStatus.RUNNING, T0), 1);

      assertThat(s.list(new ChainRunStore.Query("listed", null, null, 10)))
          .extracting(ChainRun::chainRunId)
          .containsExactly("same-time", "l3", "l2", "l1");
      assertThat(s.list(new ChainRunStore.Query("listed", "t1", ChainStatus.QUEUED, 1)))
          .extracting(ChainRun::chainRunId)
          .containsExactly("same-time");
      assertThat(s.list(new ChainRunStore.Query(null, "t1", ChainStatus.RUNNING, 10)))
          .extracting(ChainRun::chainRunId)
          .containsExactly("l1");
      assertThat(s.list(new ChainRunStore.Query(null, null, null, 10))).hasSize(5);
    }

    @Test
    void anOrchestratorWithAnOlderLeaseEpochCannotSetARunBack() {
      ChainRunStore s = store();
      ChainRun read = run("fenced", "close", "t1", T0);
      s.create(read);

      assertThat(s.update(read.moved(ChainStatus.RUNNING, T0.plusSeconds(1)), 2)).isTrue();
      assertThat(
              s.update(
                  read.moved(ChainStatus.RUNNING, T0.plusSeconds(1))
                      .moved(ChainStatus.CANCELLED, T0.plusSeconds(2)),
                  1))
          .isFalse();

      assertThat(s.find("fenced").orElseThrow().status()).isEqualTo(ChainStatus.RUNNING);
      assertThat(
              s.update(
                  read.moved(ChainStatus.RUNNING, T0.plusSeconds(1))
                      .moved(ChainStatus.CANCELLED, T0.plusSeconds(3)),
                  2))
          .isTrue();
      assertThat(s.find("fenced").orElseThrow().status()).isEqualTo(ChainStatus.CANCELLED);
    }
  }

  @Nested
  class InMemoryChainRunStoreAgrees extends ChainRunStoreContract {
    @Override
    ChainRunStore store() {
      return new InMemoryChainRunStore();
    }
  }

  @Nested
  class MongoChainRunStoreAgrees extends ChainRunStoreContract {
    @Override
    ChainRunStore store() {
      return new MongoChainRunStore(mongo.freshDatabase()).ensureIndexes();
    }
  }
}
