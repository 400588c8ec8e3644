package io.jobline.app.stores;

import static io.jobline.app.stores.ContractMongo.T0;
import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoDatabase;
import io.jobline.run.JobStats;
import io.jobline.run.JobStats.Failure;
import io.jobline.run.JobStats.Timed;
import io.jobline.store.InMemoryStatsStore;
import io.jobline.store.MongoStatsStore;
import io.jobline.store.StatsStore;
import io.jobline.store.StatsStore.Part;
import io.jobline.testkit.ShiftableClock;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.bson.Document;
import org.bson.types.Binary;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The job statistics store's contract, run against its in-memory twin and its Mongo implementation.
 */
class StatsStoreContractTest {
  private static ContractMongo mongo;

  @BeforeAll
  static void start() {
    mongo = ContractMongo.start();
  }

  @AfterAll
  static void stop() {
    mongo.close();
  }

  abstract static class StatsStoreContract {
    abstract StatsStore store();

    /** The store, writing at the time {@code clock} tells. */
    abstract StatsStore store(Clock clock);

    /** A part with {@code completed} runs, each of one more second, ending a second apart. */
    static Part part(String job, String tenant, int partition, long completed, long firstEnd) {
      List<Timed> durations =
          LongStream.range(0, completed)
              .mapToObj(i -> new Timed(T0.plusSeconds(firstEnd + i).toEpochMilli(), 1.0 + i))
              .toList();
      JobStats s =
          new JobStats(
              job,
              tenant,
              Map.of("completed", completed),
              durations,
              completed == 0 ? null : (double) completed,
              T0.plusSeconds(firstEnd),
              null);
      return new Part(StatsStore.key(job, tenant), partition, s);
    }

    static Part failing(Part p, String runId, long at) {
      JobStats s = p.stats();
      Map<String, Long> counts = new LinkedHashMap<>(s.counts());
      counts.put("failed", 1L);
      return new Part(
          p.key(),
          p.partition(),
          new JobStats(
              s.jobName(),
              s.tenantId(),
              counts,
              s.durations(),
              s.maxDurationSeconds(),
              s.lastRunAt(),
              new Failure(runId, T0.plusSeconds(at), "boom " + runId)));
    }

    static List<String> ids(List<Document> found) {
      return found.stream().map(d -> d.getString("_id")).toList();
    }

    @Test
    void aJobsStatisticsAreItsPartsFromEveryPartitionMergedIntoOne() {
      StatsStore s = store();
      s.replace(
          List.of(
              failing(part("settle", null, 0, 2, 10), "run-early", 5),
              failing(part("settle", null, 1, 3, 0), "run-late", 30)));

      List<Document> found = s.find("settle", null, false);
      assertThat(ids(found)).containsExactly("job:settle");
      Document d = found.get(0);
      assertThat(d.getString("job_name")).isEqualTo("settle");
      assertThat(d.containsKey("tenant_id")).isFalse();
      assertThat(d.get("counts", Document.class))
          .isEqualTo(new Document(Map.of("completed", 5L, "failed", 2L)));
      assertThat(d.getList("durations", Double.class)).containsExactly(1.0, 2.0, 3.0, 1.0, 2.0);
      assertThat(d.get("max_duration_seconds")).isEqualTo(3.0);
      assertThat(d.getDate("last_run_at")).isEqualTo(Date.from(T0.plusSeconds(10)));
      Document failure = d.get("last_failure", Document.class);
      assertThat(failure.getString("run_id")).isEqualTo("run-late");
      assertThat(failure.getDate("at")).isEqualTo(Date.from(T0.plusSeconds(30)));
      assertThat(failure.getString("error")).isEqualTo("boom run-late");
    }

    @Test
    void aPartCountingFewerEndsThanTheOneStoredIsNotWrittenOverIt() {
      // found by review: a paused history instance whose task had moved wrote its older
      // statistics over its successor's, and they stayed low until the key changed again
      StatsStore s = store();
      s.replace(List.of(part("settle", null, 0, 3, 0), part("settle", null, 1, 1, 0)));
      s.replace(List.of(part("settle", null, 0, 2, 0), part("settle", null, 1, 2, 0)));

      Document d = s.find("settle", null, false).get(0);
      assertThat(d.get("counts", Document.class))
          .as("partition 0 keeps its 3, partition 1 takes its 2")
          .isEqualTo(new Document("completed", 5L));
      s.replace(List.of(failing(part("settle", null, 0, 3, 0), "r-late", 9)));
      assertThat(s.find("settle", null, false).get(0).get("counts", Document.class))
          .as("more ends are written")
          .isEqualTo(new Document(Map.of("completed", 5L, "failed", 1L)));
    }

    @Test
    void aPartCountingFewerEndsReplacesOneWrittenLongAgoAsAfterAResetOfHistorysState() {
      // found by review of the guard: history replaying from what Kafka kept (a new application
      // id, a reset) counts fewer ends than MongoDB holds, and its figures were refused for good
      // (the system clock shifted: a part's time is only compared with the window)
      ShiftableClock clock = new ShiftableClock();
      StatsStore s = store(clock);
      s.replace(List.of(part("settle", null, 0, 3, 0)));
      clock.shift(StatsStore.REFUSE_FEWER_FOR.minusSeconds(5));
      s.replace(List.of(part("settle", null, 0, 1, 0)));
      assertThat(s.find("settle", null, false).get(0).get("counts", Document.class))
          .as("still refused: written lately")
          .isEqualTo(new Document("completed", 3L));
      clock.shift(Duration.ofSeconds(10));
      s.replace(List.of(part("settle", null, 0, 1, 0)));
      assertThat(s.find("settle", null, false).get(0).get("counts", Document.class))
          .isEqualTo(new Document("completed", 1L));
    }

    @Test
    void aPartWrittenAgainReplacesWhatItHeldAndCountsNothingTwice() {
      StatsStore s = store();
      s.replace(List.of(part("settle", null, 0, 2, 0)));
      s.replace(List.of(part("settle", null, 0, 3, 0)));
      s.replace(List.of());

      Document d = s.find("settle", null, false).get(0);
      assertThat(d.get("counts", Document.class)).isEqualTo(new Document("completed", 3L));
      assertThat(d.getList("durations", Double.class)).containsExactly(1.0, 2.0, 3.0);
      assertThat(d.containsKey("last_failure")).isFalse();
    }

    @Test
    void perTenantStatisticsStayApartFromPerJobOnesAndFilterByJobAndTenant() {
      StatsStore s = store();
      s.replace(
          List.of(
              part("a", null, 0, 3, 0),
              part("b", null, 0, 2, 0),
              part("a", "t1", 0, 1, 0),
              part("a", "t2", 0, 2, 0),
              part("b", "t1", 1, 1, 0),
              part("b", "", 1, 1, 0)));

      assertThat(ids(s.find(null, null, false))).containsExactly("job:a", "job:b");
      assertThat(ids(s.find(null, null, true)))
          .containsExactly(
              "job:a|tenant:t1", "job:a|tenant:t2", "job:b|tenant:", "job:b|tenant:t1");
      assertThat(ids(s.find("a", null, true)))
          .containsExactly("job:a|tenant:t1", "job:a|tenant:t2");
      List<Document> t1 = s.find(null, "t1", false);
      assertThat(ids(t1)).containsExactly("job:a|tenant:t1", "job:b|tenant:t1");
      assertThat(t1).extracting(d -> d.getString("tenant_id")).containsOnly("t1");
      assertThat(s.find("b", "", false))
          .extracting(d -> d.getString("tenant_id"))
          .containsExactly("");
      assertThat(s.find("a", null, false).get(0).get("counts", Document.class))
          .isEqualTo(new Document("completed", 3L));
      assertThat(s.find("nope", null, false)).isEmpty();
      assertThat(s.find("a", "t3", true)).isEmpty();
    }
  }

  @Nested
  class InMemoryStatsStoreAgrees extends StatsStoreContract {
    @Override
    StatsStore store() {
      return new InMemoryStatsStore();
    }

    @Override
    StatsStore store(Clock clock) {
      return new InMemoryStatsStore(clock);
    }
  }

  @Nested
  class MongoStatsStoreAgrees extends StatsStoreContract {
    @Override
    StatsStore store() {
      return new MongoStatsStore(mongo.freshDatabase());
    }

    @Override
    StatsStore store(Clock clock) {
      return new MongoStatsStore(mongo.freshDatabase(), clock);
    }

    @Test
    void durationsAreStoredAsOneBinaryValueAndArraysWrittenBeforeAreStillRead() {
      MongoDatabase db = mongo.freshDatabase();
      StatsStore s = new MongoStatsStore(db);
      s.replace(List.of(part("a", null, 0, 3, 0)));
      Document stored = db.getCollection(MongoStatsStore.COLLECTION).find().first();
      assertThat(stored.get("durations")).isInstanceOf(Binary.class);
      assertThat(stored.get("ended_at")).isInstanceOf(Binary.class);

      // a part as an earlier version wrote it: the durations and their end times as arrays
      long end = T0.plusSeconds(10).toEpochMilli();
      db.getCollection(MongoStatsStore.COLLECTION)
          .insertOne(
              new Document("_id", "job:a|p1")
                  .append("key", "job:a")
                  .append("partition", 1)
                  .append("job_name", "a")
                  .append("counts", new Document("completed", 2L))
                  .append("durations", List.of(4.0, 5.5))
                  .append("ended_at", List.of(end, end + 1000))
                  .append("max_duration_seconds", 5.5)
                  .append("last_run_at", Date.from(T0.plusSeconds(11))));
      Document d = s.find("a", null, false).get(0);
      assertThat(d.get("counts", Document.class)).isEqualTo(new Document("completed", 5L));
      assertThat(d.getList("durations", Double.class)).containsExactly(1.0, 2.0, 3.0, 4.0, 5.5);
    }
  }
}
