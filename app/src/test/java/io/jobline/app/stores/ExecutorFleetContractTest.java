package io.jobline.app.stores;

import static io.jobline.app.stores.ContractMongo.T0;
import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoDatabase;
import io.jobline.executor.MongoPartitionLeases;
import io.jobline.executor.PartitionLeases;
import io.jobline.store.ExecutorFleet;
import io.jobline.store.ExecutorFleet.Executor;
import io.jobline.store.InMemoryExecutorFleet;
import io.jobline.store.MongoExecutorFleet;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The executor fleet's contract, run against its in-memory twin and its Mongo implementation (on
 * partition leases as the executors write them).
 */
class ExecutorFleetContractTest {
  /** How long the executors' leases in Mongo are taken for. */
  private static final Duration TTL = Duration.ofSeconds(15);

  private static ContractMongo mongo;

  @BeforeAll
  static void start() {
    mongo = ContractMongo.start();
  }

  @AfterAll
  static void stop() {
    mongo.close();
  }

  /** A partition's lease: {@code owner} null when it was handed over. */
  record Lease(String partition, String owner, Instant expiresAt) {}

  static Lease held(String partition, String owner, Instant expiresAt) {
    return new Lease(partition, owner, expiresAt);
  }

  static Lease handedOver(String partition) {
    return new Lease(partition, null, T0.plusSeconds(3600));
  }

  abstract static class ExecutorFleetContract {
    /** A fleet whose leases were taken in this order (a later lease of a partition replaces it). */
    abstract ExecutorFleet fleet(List<Lease> leases);

    @Test
    void executorsUpComeByIdEachWithItsPartitionsInOrderAndItsEarliestExpiry() {
      ExecutorFleet f =
          fleet(
              List.of(
                  held("requests-2", "exec-b", T0.plusSeconds(30)),
                  held("requests-10", "exec-b", T0.plusSeconds(20)),
                  held("requests-1", "exec-a", T0.plusSeconds(40)),
                  held("requests-0", "exec-c", T0.plusSeconds(10)),
                  held("requests-3", "exec-b", T0.plusSeconds(25))));

      assertThat(f.up(T0))
          .containsExactly(
              new Executor("exec-a", List.of("requests-1"), T0.plusSeconds(40)),
              new Executor(
                  "exec-b", List.of("requests-10", "requests-2", "requests-3"), T0.plusSeconds(20)),
              new Executor("exec-c", List.of("requests-0"), T0.plusSeconds(10)));
    }

    @Test
    void aLeaseRunOutOrHandedOverCountsForNothing() {
      ExecutorFleet f =
          fleet(
              List.of(
                  held("requests-0", "exec-a", T0.minusSeconds(1)),
                  held("requests-1", "exec-a", T0),
                  held("requests-2", "exec-a", T0.plusMillis(1)),
                  handedOver("requests-3"),
                  held("requests-4", "exec-b", T0.minusSeconds(5)),
                  held("requests-5", "exec-c", T0.plusSeconds(60))));

      assertThat(f.up(T0))
          .containsExactly(
              new Executor("exec-a", List.of("requests-2"), T0.plusMillis(1)),
              new Executor("exec-c", List.of("requests-5"), T0.plusSeconds(60)));
      assertThat(f.up(T0.plusMillis(1)))
          .containsExactly(new Executor("exec-c", List.of("requests-5"), T0.plusSeconds(60)));
      assertThat(f.up(T0.minusSeconds(10)))
          .containsExactly(
              new Executor(
                  "exec-a", List.of("requests-0", "requests-1", "requests-2"), T0.minusSeconds(1)),
              new Executor("exec-b", List.of("requests-4"), T0.minusSeconds(5)),
              new Executor("exec-c", List.of("requests-5"), T0.plusSeconds(60)));
      assertThat(f.up(T0.plusSeconds(60))).isEmpty();
    }

    @Test
    void aPartitionTakenOverAfterItsLeaseRanOutCountsForItsNewOwnerOnly() {
      ExecutorFleet f =
          fleet(
              List.of(
                  held("requests-0", "exec-a", T0.minusSeconds(10)),
                  held("requests-1", "exec-a", T0.plusSeconds(30)),
                  held("requests-0", "exec-b", T0.plusSeconds(20))));

      assertThat(f.up(T0))
          .containsExactly(
              new Executor("exec-a", List.of("requests-1"), T0.plusSeconds(30)),
              new Executor("exec-b", List.of("requests-0"), T0.plusSeconds(20)));
    }

    @Test
    void leasesAreKeptAndComparedToTheMillisecond() {
      ExecutorFleet f =
          fleet(
              List.of(
                  held("requests-0", "exec-a", T0.plusNanos(500_000)),
                  held("requests-1", "exec-b", T0.plusNanos(1_500_000))));

      assertThat(f.up(T0.plusNanos(900_000)))
          .containsExactly(new Executor("exec-b", List.of("requests-1"), T0.plusMillis(1)));
      assertThat(f.up(T0.plusNanos(1_200_000))).isEmpty();
    }

    @Test
    void noLeasesMeanNoExecutorIsUp() {
      assertThat(fleet(List.of()).up(T0)).isEmpty();
    }
  }

  @Nested
  class InMemoryExecutorFleetAgrees extends ExecutorFleetContract {
    @Override
    ExecutorFleet fleet(List<Lease> leases) {
      InMemoryExecutorFleet f = new InMemoryExecutorFleet();
      leases.forEach(l -> f.lease(l.partition(), l.owner(), l.expiresAt()));
      return f;
    }
  }

  @Nested
  class MongoExecutorFleetAgrees extends ExecutorFleetContract {
    @Override
    ExecutorFleet fleet(List<Lease> leases) {
      MongoDatabase db = mongo.freshDatabase();
      PartitionLeases written = new MongoPartitionLeases(db);
      for (Lease l : leases) {
        String owner = l.owner() == null ? "leaving" : l.owner();
        PartitionLeases.Taken taken =
            written.take(l.partition(), owner, l.expiresAt().minus(TTL), TTL, false).orElseThrow();
        if (l.owner() == null) {
          written.handOver(l.partition(), owner, taken.epoch(), Set.of(), Map.of(), 0);
        }
      }
      return new MongoExecutorFleet(db);
    }
  }
}
