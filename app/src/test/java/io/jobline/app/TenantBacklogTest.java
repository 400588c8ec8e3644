package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobline.api.TenantBacklog;
import io.jobline.app.testjobs.ChainTestJobs;
import io.jobline.testkit.ShiftableClock;
import io.jobline.topic.FinishedOffsets;
import io.jobline.topic.Topics;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The backlog per tenant from consumer lag, on the real broker: what a group has not finished,
 * attributed by record key, finished offsets and transaction markers left out, capped reads
 * reported as lower bounds; and through the api while the executors hold requests at a gate.
 */
class TenantBacklogTest {
  private static Map<String, Object> props;
  private static Http admin;

  @BeforeAll
  static void start() {
    props = SharedStandalone.get().config().kafka.clientProperties();
    admin = new Http(SharedStandalone.get().apiUrl());
  }

  /**
   * A topic of two partitions holding, in this order: acme ×5, hooli ×3, initech ×2 and one record
   * without a key; acme and initech are keys of partition 0, hooli of partition 1 (as the keyless
   * one).
   */
  private static String topicWithRequests(Admin kafka) throws Exception {
    String topic = "backlog-" + UUID.randomUUID();
    kafka.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
    // a batch produced right after the topic is made can be lost for minutes (KAFKA-15591): wait
    // until it serves offsets
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .until(
            () ->
                kafka
                        .listOffsets(
                            Map.of(
                                new TopicPartition(topic, 0),
                                OffsetSpec.latest(),
                                new TopicPartition(topic, 1),
                                OffsetSpec.latest()))
                        .all()
                        .get(5, TimeUnit.SECONDS)
                        .size()
                    == 2);
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
      for (String tenant :
          List.of(
              "acme", "acme", "acme", "acme", "acme", "hooli", "hooli", "hooli", "initech",
              "initech")) {
        producer.send(new ProducerRecord<>(topic, tenant, "{}")).get(30, TimeUnit.SECONDS);
      }
      producer.send(new ProducerRecord<>(topic, 1, null, "{}")).get(30, TimeUnit.SECONDS);
    }
    return topic;
  }

  private static TopicPartition partitionOf(String topic, String tenant) {
    return new TopicPartition(topic, Topics.requestPartition(tenant, 2));
  }

  @Test
  void countsWhatTheGroupHasNotFinishedPerTenantKey() throws Exception {
    try (Admin kafka = Admin.create(props)) {
      String topic = topicWithRequests(kafka);
      String group = "backlog-group-" + UUID.randomUUID();
      // acme's first two are done, and its fourth finished out of order (the executors say so in
      // the metadata)
      TopicPartition acme = partitionOf(topic, "acme");
      kafka
          .alterConsumerGroupOffsets(
              group, Map.of(acme, new OffsetAndMetadata(2, FinishedOffsets.encode(2, Set.of(3L)))))
          .all()
          .get(30, TimeUnit.SECONDS);
      // a transaction's records count once committed (its markers never), an open one's not yet
      Map<String, Object> tx = new HashMap<>(props);
      tx.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "backlog-test-" + UUID.randomUUID());
      try (KafkaProducer<String, String> producer =
          new KafkaProducer<>(tx, new StringSerializer(), new StringSerializer())) {
        producer.initTransactions();
        producer.beginTransaction();
        producer.send(new ProducerRecord<>(topic, "globex", "{}"));
        producer.send(new ProducerRecord<>(topic, "globex", "{}"));
        producer.commitTransaction();
        producer.beginTransaction();
        producer.send(new ProducerRecord<>(topic, "globex", "{}")).get(30, TimeUnit.SECONDS);

        TenantBacklog backlog =
            new TenantBacklog(
                kafka,
                props,
                group,
                List.of(topic, "no-such-topic"),
                1000,
                Duration.ofSeconds(5),
                Clock.systemUTC());
        TenantBacklog.Look look = backlog.look();
        backlog.close();
        producer.abortTransaction();

        assertThat(look.forTenant("acme")).isEqualTo(new TenantBacklog.Count(2, false));
        assertThat(look.forTenant("hooli")).isEqualTo(new TenantBacklog.Count(3, false));
        assertThat(look.forTenant("initech")).isEqualTo(new TenantBacklog.Count(2, false));
        assertThat(look.forTenant("globex")).isEqualTo(new TenantBacklog.Count(2, false));
        assertThat(look.forTenant("nobody")).isEqualTo(new TenantBacklog.Count(0, false));
        assertThat(look.forTenant(null))
            .as("the record without a key")
            .isEqualTo(new TenantBacklog.Count(1, false));
        assertThat(look.complete()).isTrue();
        assertThat(look.byTenant().keySet()).first().isEqualTo("hooli");
        TenantBacklog.Partition acmes =
            look.partitions().stream()
                .filter(p -> p.partition() == acme.partition())
                .findFirst()
                .orElseThrow();
        assertThat(acmes.committed()).isEqualTo(2);
        assertThat(acmes.readThrough()).isTrue();
      }
    }
  }

  @Test
  void aCappedReadGivesLowerBoundsForTheTenantsOfThePartitionsNotReadThrough() throws Exception {
    try (Admin kafka = Admin.create(props)) {
      String topic = topicWithRequests(kafka);
      // two records a look, one per partition: no partition is read through, and each gave its
      // first key
      TenantBacklog backlog =
          new TenantBacklog(
              kafka,
              props,
              "backlog-group-" + UUID.randomUUID(),
              List.of(topic),
              2,
              Duration.ofSeconds(5),
              Clock.systemUTC());
      TenantBacklog.Look look = backlog.look();
      backlog.close();

      assertThat(look.complete()).isFalse();
      assertThat(look.partitions())
          .hasSize(2)
          .allSatisfy(p -> assertThat(p.readThrough()).isFalse())
          .allSatisfy(p -> assertThat(p.unfinished()).isEqualTo(1));
      assertThat(look.forTenant("acme")).isEqualTo(new TenantBacklog.Count(1, true));
      assertThat(look.forTenant("hooli")).isEqualTo(new TenantBacklog.Count(1, true));
      assertThat(look.forTenant("initech"))
          .as("not seen, but its partition was not read through")
          .isEqualTo(new TenantBacklog.Count(0, true));
    }
  }

  @Test
  void aLookIsKeptForItsFreshnessThenTakenAgain() throws Exception {
    try (Admin kafka = Admin.create(props)) {
      String topic = topicWithRequests(kafka);
      ShiftableClock clock = new ShiftableClock();
      TenantBacklog backlog =
          new TenantBacklog(
              kafka,
              props,
              "backlog-group-" + UUID.randomUUID(),
              List.of(topic),
              1000,
              Duration.ofSeconds(5),
              clock);
      TenantBacklog.Look first = backlog.look();
      try (KafkaProducer<String, String> producer =
          new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
        producer.send(new ProducerRecord<>(topic, "acme", "{}")).get(30, TimeUnit.SECONDS);
      }
      clock.shift(Duration.ofSeconds(4));
      assertThat(backlog.look()).isSameAs(first);
      clock.shift(Duration.ofSeconds(1));
      assertThat(backlog.look().forTenant("acme").unfinished()).isEqualTo(6);
      backlog.close();
    }
  }

  @Test
  void theApiCountsRequestsHeldAtAGateUntilTheyEnd() throws Exception {
    String tenant = "backlog-" + UUID.randomUUID().toString().substring(0, 8);
    String gate = "backlog-gate-" + UUID.randomUUID();
    List<String> runs = new ArrayList<>();
    try {
      for (int i = 0; i < 6; i++) {
        runs.add(
            admin
                .post(
                    "/jobs/run/gate",
                    "{\"tenant_id\":\"" + tenant + "\",\"params\":{\"key\":\"" + gate + "\"}}")
                .body()
                .path("run_id")
                .asText());
      }
      // the executors took them (four run, as many as one tenant may; two wait) and finish none
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () ->
                  unfinished(admin.get("/jobs/stats/backlog?tenant=" + tenant).body(), tenant)
                      == 6);
      JsonNode all = admin.get("/jobs/stats/backlog").body();
      assertThat(all.path("group").asText()).isEqualTo("jobline-executor");
      assertThat(unfinished(all, tenant)).isEqualTo(6);
      assertThat(all.path("partitions").findValuesAsText("topic")).contains(Topics.REQUESTS.name());

      // a token bound to another tenant sees its own count only, and no partitions
      JsonNode acme =
          new Http(SharedStandalone.get().apiUrl(), "acme-key").get("/jobs/stats/backlog").body();
      assertThat(acme.path("tenant").asText()).isEqualTo("acme");
      assertThat(acme.path("tenants").findValuesAsText("tenant_id")).containsExactly("acme");
      assertThat(acme.has("partitions")).isFalse();
      JsonNode asked =
          new Http(SharedStandalone.get().apiUrl(), "acme-key")
              .get("/jobs/stats/backlog?tenant=" + tenant)
              .body();
      assertThat(asked.path("tenants")).isEmpty();
    } finally {
      ChainTestJobs.open(gate);
    }
    for (String run : runs) {
      EndToEndTest.awaitRun(admin, run, "completed");
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () ->
                unfinished(admin.get("/jobs/stats/backlog?tenant=" + tenant).body(), tenant) == 0);
  }

  private static long unfinished(JsonNode backlog, String tenant) {
    for (JsonNode t : backlog.path("tenants")) {
      if (tenant.equals(t.path("tenant_id").asText())) {
        assertThat(t.path("at_least").asBoolean()).isFalse();
        return t.path("unfinished").asLong();
      }
    }
    return 0;
  }
}
