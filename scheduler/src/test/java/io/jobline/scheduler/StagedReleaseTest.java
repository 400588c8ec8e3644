package io.jobline.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.jobline.embedded.EmbeddedKafka;
import io.jobline.schedule.Schedule;
import io.jobline.schedule.Triggers;
import io.jobline.scheduler.lease.InMemoryLeaseStore;
import io.jobline.store.InMemoryRunStore;
import io.jobline.store.InMemoryScheduleStore;
import io.jobline.store.InMemoryTimerStore;
import io.jobline.testkit.SettableClock;
import io.jobline.topic.EventProducer;
import io.jobline.topic.KafkaSettings;
import io.jobline.topic.RequestProducer;
import io.jobline.topic.TopicAdmin;
import io.jobline.topic.TopicSettings;
import io.jobline.topic.Topics;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Scheduled requests are handed to a real Kafka broker ahead of their fire time in a transaction:
 * executors (read-committed) see none of them before the fire time, all of them after it, and a
 * replica fenced by a newer leader can release nothing.
 */
class StagedReleaseTest {
  private static EmbeddedKafka kafka;
  private static final KafkaSettings SETTINGS = new KafkaSettings();

  @BeforeAll
  static void startBroker() throws Exception {
    kafka = EmbeddedKafka.start(Files.createTempDirectory("scheduler-test-kafka"), 0, 0);
    SETTINGS.bootstrapServers = kafka.bootstrapServers();
    TopicSettings topics = new TopicSettings();
    topics.requestPartitions = 3;
    topics.eventPartitions = 3;
    TopicAdmin.ensureTopics(SETTINGS, topics, Topics.all(), Duration.ofSeconds(60));
  }

  @AfterAll
  static void stopBroker() {
    kafka.close();
  }

  /** The scheduler's output wired as in the application, with the producers it owns. */
  private static final class Output implements AutoCloseable {
    final RequestProducer plain = new RequestProducer(SETTINGS, "test-plain");
    final EventProducer events = new EventProducer(SETTINGS, "test-events");
    final ReleasingRequestProducer staging;
    final KafkaEmitter emitter;

    Output(String transactionalId) {
      staging = new ReleasingRequestProducer(SETTINGS, transactionalId);
      emitter = new KafkaEmitter(plain, events, staging);
    }

    @Override
    public void close() {
      staging.close();
      events.close();
      plain.close();
    }
  }

  /**
   * Collects the request topic as an executor (read_committed) or as anyone (read_uncommitted) sees
   * it.
   */
  private static final class Reader implements AutoCloseable {
    final KafkaConsumer<String, JobRequest> consumer;
    final List<JobRequest> seen = new ArrayList<>();

    Reader(String isolation) {
      Map<String, Object> props = SETTINGS.clientProperties();
      props.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
      props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
      consumer =
          new KafkaConsumer<>(
              props,
              Topics.REQUESTS.keySerde().deserializer(),
              Topics.REQUESTS.valueSerde().deserializer());
      consumer.subscribe(List.of(Topics.REQUESTS.name()));
    }

    /** Polls for a bounded time and returns the run ids of the given schedule seen so far. */
    List<String> runsOf(String schedule, Duration within) {
      consumer.poll(within).forEach(r -> seen.add(r.value()));
      return seen.stream()
          .filter(r -> schedule.equals(r.trigger().schedule()))
          .map(r -> r.runId().value())
          .toList();
    }

    @Override
    public void close() {
      consumer.close();
    }
  }

  private static Schedule everyMinute(String name, Instant now) {
    try {
      Schedule s =
          Json.mapper()
              .readValue(
                  "{\"job_name\":\""
                      + name
                      + "\",\"job_type\":\"noop\","
                      + "\"cron_expression\":\"*/1 * * * *\",\"timezone\":\"UTC\",\"tenant_id\":\"t1\",\"overlap\":\"allow\"}",
                  Schedule.class);
      return s.withNextRunAt(Triggers.nextAfter(s, now).orElseThrow());
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static Scheduler scheduler(
      String id,
      InMemoryScheduleStore store,
      InMemoryLeaseStore leases,
      SettableClock clock,
      Emitter emitter) {
    SchedulerSettings s = new SchedulerSettings();
    s.schedulerId = id;
    return new Scheduler(
        store, new InMemoryTimerStore(), leases, new InMemoryRunStore(clock), emitter, s, clock);
  }

  @Test
  void requestsHandedOverAheadAreInvisibleToExecutorsUntilTheFireTimeThenAllVisibleAtOnce() {
    Instant due = Instant.parse("2026-05-01T08:00:00Z");
    SettableClock clock = new SettableClock(due.minusSeconds(5));
    InMemoryScheduleStore store = new InMemoryScheduleStore();
    for (int i = 0; i < 50; i++) {
      store.save(everyMinute("wave-" + i, clock.instant()));
    }
    try (Output out = new Output("test-release-" + UUID.randomUUID());
        Reader executorView = new Reader("read_committed");
        Reader rawView = new Reader("read_uncommitted")) {
      Scheduler scheduler = scheduler("a", store, new InMemoryLeaseStore(), clock, out.emitter);
      clock.set(due.minus(Scheduler.PREPARE_AHEAD));
      scheduler.cycle();
      clock.set(due.minusMillis(200));
      scheduler.cycle();

      // handed over: the broker has all 50, but an executor sees none before the fire time
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () -> assertThat(rawView.runsOf("wave-7", Duration.ofMillis(100))).hasSize(1));
      assertThat(rawView.seen).hasSize(50);
      assertThat(executorView.runsOf("wave-7", Duration.ofSeconds(1))).isEmpty();
      assertThat(executorView.seen).isEmpty();

      clock.set(due);
      scheduler.cycle();
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () -> assertThat(executorView.runsOf("wave-7", Duration.ofMillis(100))).hasSize(1));
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () -> {
                executorView.runsOf("none", Duration.ofMillis(100));
                assertThat(executorView.seen).hasSize(50);
              });
      assertThat(executorView.seen)
          .allSatisfy(r -> assertThat(r.trigger().nominalTime()).isEqualTo(due));
    }
  }

  @Test
  void aLeaderFencedByANewerOneReleasesNothingAndItsStagedRequestsNeverBecomeVisible() {
    Instant due = Instant.parse("2026-05-01T09:00:00Z");
    String transactionalId = "test-fence-" + UUID.randomUUID();
    SettableClock oldClock = new SettableClock(due.minusSeconds(5));
    InMemoryScheduleStore store = new InMemoryScheduleStore();
    store.save(everyMinute("fenced", oldClock.instant()));
    InMemoryLeaseStore leases = new InMemoryLeaseStore();
    try (Output old = new Output(transactionalId);
        Output newer = new Output(transactionalId);
        Reader executorView = new Reader("read_committed")) {
      Scheduler frozen = scheduler("old", store, leases, oldClock, old.emitter);
      oldClock.set(due.minus(Scheduler.PREPARE_AHEAD));
      frozen.cycle();
      oldClock.set(due.minusMillis(200));
      frozen.cycle();

      // the old leader stalls; by the newer replica's clock its lease has lapsed, so it takes over
      // (and, taking the lead, registers the shared transactional id, which fences the old
      // producer)
      SettableClock newerClock = new SettableClock(due.plusSeconds(16));
      Scheduler takeover =
          scheduler("newer", new InMemoryScheduleStore(), leases, newerClock, newer.emitter);
      takeover.cycle();
      assertThat(takeover.isLeader()).isTrue();

      // the old one wakes at the fire time still trusting its lease: Kafka refuses its release
      oldClock.set(due);
      frozen.cycle();
      assertThat(frozen.isLeader()).isFalse();
      assertThat(executorView.runsOf("fenced", Duration.ofSeconds(2))).isEmpty();
    }
  }
}
