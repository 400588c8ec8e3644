package io.jobline.app.stores;

import static io.jobline.app.stores.ContractMongo.CLOCK;
import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.job.JobDescriptor;
import io.jobline.store.CachedCatalogue;
import io.jobline.store.CatalogueStore;
import io.jobline.store.InMemoryCatalogueStore;
import io.jobline.store.MongoCatalogueStore;
import io.jobline.wire.Json;
import io.jobline.wire.Scope;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The job catalogue's contract, run against its in-memory twin and its Mongo implementation. */
class CatalogueStoreContractTest {
  private static ContractMongo mongo;

  @BeforeAll
  static void start() {
    mongo = ContractMongo.start();
  }

  @AfterAll
  static void stop() {
    mongo.close();
  }

  abstract static class CatalogueStoreContract {
    abstract CatalogueStore store();

    static JobDescriptor job(String name, String description, int retries) {
      return new JobDescriptor(
          name,
          description,
          600,
          retries,
          Scope.PARENT_TENANT,
          true,
          4,
          Json.object()
              .put("type", "object")
              .set(
                  "properties",
                  Json.object()
                      .set("period", Json.object().put("type", "string").put("minLength", 7))));
    }

    @Test
    void aPublishedJobIsFoundAsPublishedAndPublishingItAgainReplacesIt() {
      CatalogueStore s = store();
      JobDescriptor first = job("settle", "first", 1);
      s.publish(List.of(first), "executor-1");
      assertThat(s.find("settle")).contains(first);

      JobDescriptor again = job("settle", "again", 3);
      s.publish(List.of(again), "executor-2");
      assertThat(s.find("settle")).contains(again);
      assertThat(s.list()).containsExactly(again);
      assertThat(s.find("nope")).isEmpty();
    }

    @Test
    void theCatalogueListsEveryJobByNameWhicheverExecutorPublishedIt() {
      CatalogueStore s = store();
      JobDescriptor plain = new JobDescriptor("b-report", "", 60, 0, Scope.SYSTEM, false, 0, null);
      s.publish(List.of(job("c-settle", "", 0), plain), "executor-1");
      s.publish(List.of(job("a-notify", "", 2)), "executor-2");
      s.publish(List.of(), "executor-3");

      assertThat(s.list())
          .extracting(JobDescriptor::name)
          .containsExactly("a-notify", "b-report", "c-settle");
      assertThat(s.find("b-report")).contains(plain);
    }
  }

  @Nested
  class InMemoryCatalogueStoreAgrees extends CatalogueStoreContract {
    @Override
    CatalogueStore store() {
      return new InMemoryCatalogueStore();
    }
  }

  @Nested
  class CachedCatalogueAgrees extends CatalogueStoreContract {
    @Override
    CatalogueStore store() {
      // (the api's: publishing through it drops what it read)
      return new CachedCatalogue(
          new MongoCatalogueStore(mongo.freshDatabase(), CLOCK), CLOCK, Duration.ofHours(1));
    }
  }

  @Nested
  class MongoCatalogueStoreAgrees extends CatalogueStoreContract {
    @Override
    CatalogueStore store() {
      return new MongoCatalogueStore(mongo.freshDatabase(), CLOCK);
    }
  }
}
