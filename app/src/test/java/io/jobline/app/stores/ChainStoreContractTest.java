package io.jobline.app.stores;

import static io.jobline.app.stores.ContractMongo.CLOCK;
import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.chain.Chain;
import io.jobline.chain.ChainStep;
import io.jobline.chain.OnFailure;
import io.jobline.store.ChainStore;
import io.jobline.store.ChainStore.Declared;
import io.jobline.store.ChainStore.Source;
import io.jobline.store.InMemoryChainStore;
import io.jobline.store.MongoChainStore;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The chain definitions' store's contract, run against its in-memory twin and its Mongo
 * implementation.
 */
class ChainStoreContractTest {
  private static ContractMongo mongo;

  @BeforeAll
  static void start() {
    mongo = ContractMongo.start();
  }

  @AfterAll
  static void stop() {
    mongo.close();
  }

  abstract static class ChainStoreContract {
    abstract ChainStore store();

    @Test
    void aDefinitionKeepsItsStepsAndWhereItCameFrom() {
      ChainStore s = store();
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

      s.save(chain, Source.CODE);

      assertThat(s.find("stored")).contains(new Declared(chain, Source.CODE));
      assertThat(s.find("nope")).isEmpty();
    }

    @Test
    void aChainSavedAgainUnderItsNameReplacesItAndTheListComesByName() {
      ChainStore s = store();
      Chain first = Chain.linear("b-close", "first", List.of("settlement"));
      Chain again = Chain.linear("b-close", "again", List.of("settlement", "reporting"));
      Chain other = Chain.linear("a-open", "", List.of("reporting"));
      s.save(first, Source.CODE);
      s.save(other, Source.CODE);
      s.save(again, Source.API);

      assertThat(s.list())
          .containsExactly(new Declared(other, Source.CODE), new Declared(again, Source.API));
      assertThat(s.find("b-close").orElseThrow().chain().steps()).hasSize(2);
    }
  }

  @Nested
  class InMemoryChainStoreAgrees extends ChainStoreContract {
    @Override
    ChainStore store() {
      return new InMemoryChainStore();
    }
  }

  @Nested
  class MongoChainStoreAgrees extends ChainStoreContract {
    @Override
    ChainStore store() {
      return new MongoChainStore(mongo.freshDatabase(), CLOCK);
    }
  }
}
