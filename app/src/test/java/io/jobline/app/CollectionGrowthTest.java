package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import io.jobline.topic.Topics;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import io.jobline.wire.Trigger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * The store holds what users asked to keep, not the machinery's leftovers: after 50,000 runs only
 * the run history has grown with the run count (no per-run claim, timer, lease or stats document).
 */
class CollectionGrowthTest {
  private static final int RUNS = 50_000;
  private static final List<String> TENANTS =
      List.of("growth-a", "growth-b", "growth-c", "growth-d");

  @Test
  void afterFiftyThousandRunsOnlyTheRunHistoryHasGrownWithThem() throws Exception {
    Standalone standalone = SharedStandalone.get();
    try (MongoClient client = MongoClients.create(standalone.mongoUri())) {
      MongoDatabase db = client.getDatabase("jobline");
      submit(
          standalone, 400); // every tenant's stats and every partition's lease exist from here on
      awaitCompleted(db, 400);
      Map<String, Long> before = counts(db);

      submit(standalone, RUNS);
      awaitCompleted(db, 400 + RUNS);
      Map<String, Long> after = counts(db);

      assertThat(after.get("job_runs") - before.get("job_runs")).isEqualTo(RUNS);
      after.forEach(
          (collection, n) -> {
            if (!collection.equals("job_runs")) {
              assertThat(n - before.getOrDefault(collection, 0L))
                  .as(
                      "documents %s gained over %d runs (before %s, after %s)",
                      collection, RUNS, before, after)
                  .isLessThanOrEqualTo(4);
            }
          });
      // one per partition of the requests topic and of its overflow lane
      assertThat(after.getOrDefault("job_partition_leases", 0L))
          .as("at most one lease per partition")
          .isLessThanOrEqualTo(2L * standalone.config().topics.requestPartitions);
    }
  }

  private static void submit(Standalone standalone, int n) throws Exception {
    Map<String, Object> props =
        new HashMap<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                standalone.bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG,
                5,
                ProducerConfig.ACKS_CONFIG,
                "all"));
    try (var producer =
        new KafkaProducer<>(
            props,
            Topics.REQUESTS.keySerde().serializer(),
            Topics.REQUESTS.valueSerde().serializer())) {
      for (int i = 0; i < n; i++) {
        String tenant = TENANTS.get(i % TENANTS.size());
        producer.send(
            new ProducerRecord<>(
                Topics.REQUESTS.name(),
                tenant,
                JobRequest.of(
                    RunId.random(Clock.systemUTC()),
                    "noop",
                    Json.object(),
                    tenant,
                    null,
                    null,
                    Trigger.manual(),
                    Instant.now(),
                    "growth-test")));
      }
      producer.flush();
    }
  }

  private static void awaitCompleted(MongoDatabase db, long n) {
    await()
        .atMost(Duration.ofMinutes(5))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () ->
                db.getCollection("job_runs")
                        .countDocuments(
                            Filters.and(
                                Filters.in("tenant_id", TENANTS),
                                Filters.eq("status", "completed")))
                    >= n);
  }

  private static Map<String, Long> counts(MongoDatabase db) {
    Map<String, Long> out = new TreeMap<>();
    for (String name : db.listCollectionNames()) {
      out.put(name, db.getCollection(name).countDocuments());
    }
    return out;
  }
}
