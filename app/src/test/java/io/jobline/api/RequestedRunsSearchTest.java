package io.jobline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jobline.app.TestKafka;
import io.jobline.topic.Topics;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * A search of the real requests topic: what it finds, what it must not (an aborted transaction's
 * requests), and how it stops.
 */
class RequestedRunsSearchTest {
  private static final Duration LOOK_BACK = Duration.ofSeconds(33);

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static ProducerRecord<byte[], byte[]> record(String tenant, String value) {
    return new ProducerRecord<>(Topics.REQUESTS.name(), bytes(tenant), bytes(value));
  }

  private static String request(RunId id, String tenant) throws Exception {
    return Json.mapper()
        .writeValueAsString(
            JobRequest.manual(
                id, "noop", Json.object().put("n", 1), tenant, Instant.now(), "search-test"));
  }

  private static KafkaProducer<byte[], byte[]> producer(String transactionalId) {
    Map<String, Object> props = new HashMap<>(TestKafka.clientProperties());
    if (transactionalId != null) {
      props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    }
    return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
  }

  @Test
  void findsCommittedRequestsOnlyAndStopsAtItsBounds() throws Exception {
    String tenant = "search-" + UUID.randomUUID();
    List<RunId> sent = new ArrayList<>();
    RunId aborted = RunId.random(Clock.systemUTC());
    RunId named = RunId.forIdempotencyKey(tenant, "noop", "k-" + UUID.randomUUID());
    RunId brokenFirst = RunId.random(Clock.systemUTC());
    try (KafkaProducer<byte[], byte[]> plain = producer(null);
        KafkaProducer<byte[], byte[]> tx = producer("search-test-" + UUID.randomUUID())) {
      for (int i = 0; i < 30; i++) {
        RunId id = RunId.random(Clock.systemUTC());
        sent.add(id);
        plain.send(record(tenant + "-" + i, request(id, tenant + "-" + i))).get();
      }
      plain.send(record(tenant, "not json at all")).get();
      // a record naming the run that this version cannot read, then the run's real request
      plain
          .send(record(tenant, "{\"run_id\":\"" + brokenFirst.value() + "\",\"attempt\":\"x\"}"))
          .get();
      plain.send(record(tenant, request(brokenFirst, tenant))).get();
      plain.send(record(tenant, request(named, tenant))).get();
      tx.initTransactions();
      tx.beginTransaction();
      tx.send(record(tenant, request(aborted, tenant))).get();
      tx.abortTransaction();
    }
    try (RequestedRuns runs =
        new RequestedRuns(TestKafka.clientProperties(), Clock.systemUTC(), LOOK_BACK)) {
      for (RunId id : List.of(sent.get(0), sent.get(17), sent.get(29))) {
        JobRequest found = runs.find(id.value(), null).orElseThrow();
        assertThat(found.runId()).isEqualTo(id);
        assertThat(found.requestedBy()).isEqualTo("search-test");
      }
      assertThat(runs.find(named.value(), null)).map(JobRequest::tenantId).contains(tenant);
      assertThat(runs.find(brokenFirst.value(), null)).map(JobRequest::jobName).contains("noop");
      assertThat(runs.find(aborted.value(), null)).as("an aborted transaction's request").isEmpty();
      assertThat(runs.lastRead())
          .as("read every committed record since")
          .isGreaterThanOrEqualTo(34);

      long searches = runs.searches();
      String nowhere = RunId.random(Clock.systemUTC()).value();
      assertThat(runs.find(nowhere, null)).isEmpty();
      assertThat(runs.find(nowhere, null)).isEmpty();
      assertThat(runs.searches())
          .as("a miss is not searched again at once")
          .isEqualTo(searches + 1);
    }
    AtomicLong answered = new AtomicLong();
    try (RequestedRuns capped =
        new RequestedRuns(
            TestKafka.clientProperties(),
            Clock.systemUTC(),
            LOOK_BACK,
            5,
            Duration.ofSeconds(3),
            answered::get)) {
      // (a named id is looked for over the whole look-back: at least the 35 records above); a
      // search stopped at its bounds cannot tell, and says so rather than finding nothing
      String beyond = RunId.forIdempotencyKey("x", "y", tenant).value();
      assertUnsure(() -> capped.find(beyond, null), "stopped at its bounds after 5 records");
      assertThat(capped.lastRead()).isEqualTo(5);
      long searches = capped.searches();
      assertUnsure(() -> capped.find(beyond, null), "stopped at its bounds");
      assertThat(capped.searches())
          .as("asked again at once: not searched again")
          .isEqualTo(searches);
      // (found by review: asking again within the second put the next search off for good)
      answered.addAndGet(Duration.ofMillis(600).toNanos());
      assertUnsure(() -> capped.find(beyond, null), "stopped at its bounds");
      assertThat(capped.searches()).isEqualTo(searches);
      answered.addAndGet(Duration.ofMillis(600).toNanos());
      assertUnsure(() -> capped.find(beyond, null), "stopped at its bounds");
      assertThat(capped.searches())
          .as("a second after the search: searched again")
          .isEqualTo(searches + 1);
      // found by review: an id that will never exist was a 503 for good on a busy topic; once
      // searches have not told for longer than the look-back, it is not there
      answered.addAndGet(LOOK_BACK.toNanos());
      assertThat(capped.find(beyond, null)).isEmpty();
      assertThat(capped.find(beyond, null)).as("and is kept as a miss").isEmpty();
      assertThat(capped.searches()).isEqualTo(searches + 2);
      // asked about again much later, it is told afresh
      answered.addAndGet(LOOK_BACK.toNanos() * 3);
      assertUnsure(() -> capped.find(beyond, null), "stopped at its bounds");
    }
  }

  /**
   * Found by review: a run another api process accepted with a 202 a moment ago read 404 while this
   * process's search was busy, stopped at its bounds or could not reach Kafka; it is a 503 to ask
   * again.
   */
  private static void assertUnsure(Runnable search, String why) {
    assertThatThrownBy(search::run)
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(503);
              assertThat(e.retryAfterSeconds()).isEqualTo(1);
              assertThat(e.toProblem().field()).isEqualTo("run_id");
            })
        .hasMessageContaining(why)
        .hasMessageContaining("ask again");
  }

  @Test
  void aSearchWaitingForAnotherCannotTellAndSaysSo() throws Exception {
    String id = RunId.random(Clock.systemUTC()).value();
    AtomicLong answered = new AtomicLong();
    try (RequestedRuns runs =
        new RequestedRuns(
            TestKafka.clientProperties(),
            Clock.systemUTC(),
            LOOK_BACK,
            RequestedRuns.MAX_RECORDS,
            RequestedRuns.MAX_TIME,
            answered::get)) {
      runs.searchLock().acquire(); // (another search running)
      try {
        assertUnsure(() -> runs.find(id, null), "another search of jobline.requests was running");
      } finally {
        runs.searchLock().release();
      }
      answered.addAndGet(Duration.ofSeconds(2).toNanos());
      assertThat(runs.find(id, null)).as("searched once the other is done: not there").isEmpty();
    }
  }

  @Test
  void aNamedRunRequestedAMomentAgoIsFoundWithoutReadingTheRecordsBeforeIt() throws Exception {
    String tenant = "newest-" + UUID.randomUUID();
    RunId named = RunId.forIdempotencyKey(tenant, "noop", "k-" + UUID.randomUUID());
    RunId retried = RunId.forIdempotencyKey(tenant, "noop", "r-" + UUID.randomUUID());
    int before = 3_000;
    try (KafkaProducer<byte[], byte[]> plain = producer(null)) {
      int partition =
          plain
              .send(record(tenant, request(RunId.random(Clock.systemUTC()), tenant)))
              .get()
              .partition();
      plain.send(record(tenant, request(retried, tenant))).get();
      for (int i = 0; i < before; i++) {
        plain.send(
            new ProducerRecord<>(
                Topics.REQUESTS.name(),
                partition,
                bytes(tenant),
                bytes("{\"run_id\":\"" + UUID.randomUUID() + "\"}")));
      }
      plain.send(record(tenant, request(named, tenant))).get();
      plain.send(record(tenant, retriedRequest(retried, tenant))).get();
      for (int i = 0; i < 20; i++) {
        plain.send(record(tenant, request(RunId.random(Clock.systemUTC()), tenant)));
      }
      plain.flush();
    }
    // fewer records than lie before it on its partition: only a search from the end finds it
    try (RequestedRuns capped =
        new RequestedRuns(
            TestKafka.clientProperties(),
            Clock.systemUTC(),
            LOOK_BACK,
            before / 2,
            Duration.ofSeconds(10))) {
      assertThat(capped.find(named.value(), null)).map(JobRequest::tenantId).contains(tenant);
      assertThat(capped.lastRead())
          .as("the newest records of each partition first")
          .isLessThanOrEqualTo(12 * RequestedRuns.FIRST_CHUNK);
      assertThat(capped.find(retried.value(), null))
          .as("a run requested twice: its newest request")
          .map(JobRequest::attempt)
          .contains(2);
    }
  }

  private static String retriedRequest(RunId id, String tenant) throws Exception {
    JobRequest first =
        JobRequest.manual(
            id, "noop", Json.object().put("n", 1), tenant, Instant.now(), "search-test");
    return Json.mapper().writeValueAsString(first.nextAttempt(3, Instant.now()));
  }
}
