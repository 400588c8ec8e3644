package io.jobline.executor;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import io.jobline.embedded.EmbeddedKafka;
import io.jobline.embedded.EmbeddedMongo;
import io.jobline.job.JobRegistry;
import io.jobline.store.MongoTimerStore;
import io.jobline.topic.KafkaSettings;
import io.jobline.topic.RequestProducer;
import io.jobline.topic.TopicAdmin;
import io.jobline.topic.TopicSettings;
import io.jobline.topic.Topics;
import io.jobline.wire.RunEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * One Kafka broker and one in-memory Mongo-wire store for every executor test in this JVM, plus a
 * listener that collects every run event by run id.
 */
final class ExecutorHarness {
  private static ExecutorHarness instance;

  final EmbeddedKafka kafka;
  final EmbeddedMongo mongo;
  final KafkaSettings kafkaSettings = new KafkaSettings();
  final MongoClient client;
  final MongoDatabase db;
  final RequestProducer requests;
  final JobRegistry registry = jobs();
  private final Map<String, List<RunEvent>> events = new ConcurrentHashMap<>();

  private ExecutorHarness() throws Exception {
    kafka = EmbeddedKafka.start(Files.createTempDirectory("executor-test-kafka"), 0, 0);
    mongo = EmbeddedMongo.start(null, 0);
    kafkaSettings.bootstrapServers = kafka.bootstrapServers();
    TopicSettings topics = new TopicSettings();
    topics.requestPartitions = 4;
    topics.eventPartitions = 4;
    TopicAdmin.ensureTopics(kafkaSettings, topics, Topics.all(), Duration.ofSeconds(60));
    client = MongoClients.create(mongo.uri());
    db = client.getDatabase("jobline");
    requests = new RequestProducer(kafkaSettings, "test");
    Thread listener = new Thread(this::listen, "test-events");
    listener.setDaemon(true);
    listener.start();
  }

  static synchronized ExecutorHarness get() {
    if (instance == null) {
      try {
        instance = new ExecutorHarness();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
    return instance;
  }

  private void listen() {
    Map<String, Object> props = kafkaSettings.clientProperties();
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "test-events-" + UUID.randomUUID());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // what history sees: events of an aborted transaction never count
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (var consumer =
        new KafkaConsumer<>(
            props,
            Topics.EVENTS.keySerde().deserializer(),
            Topics.EVENTS.valueSerde().deserializer())) {
      consumer.subscribe(List.of(Topics.EVENTS.name()));
      while (true) {
        consumer
            .poll(Duration.ofMillis(50))
            .forEach(
                r ->
                    events
                        .computeIfAbsent(r.key(), k -> new CopyOnWriteArrayList<>())
                        .add(r.value()));
      }
    }
  }

  List<RunEvent> events(String runId) {
    return new ArrayList<>(events.getOrDefault(runId, List.of()));
  }

  ExecutorParts parts() {
    return parts(db);
  }

  /** The jobs the tests' executors run. */
  static JobRegistry jobs() {
    return JobRegistry.scan(List.of("io.jobline.executor.testjobs", "io.jobline.examples"));
  }

  /** An executor's collaborators on a store. */
  static ExecutorParts parts(MongoDatabase db) {
    return new ExecutorParts(
        new MongoClaimStore(db),
        new MongoTimerStore(db),
        new MongoTenantDirectory(db, new TenantSettings()),
        new MongoPartitionLeases(db));
  }

  /**
   * A started executor in the tests' consumer group, quick to fail over; stop it at the end of the
   * test.
   */
  Executor executor(String id) {
    return executor(id, s -> {});
  }

  /** As {@link #executor(String)}, with some settings changed first. */
  Executor executor(String id, Consumer<ExecutorSettings> tweak) {
    return executor(id, tweak, Clock.systemUTC());
  }

  /** As {@link #executor(String, java.util.function.Consumer)}, on a clock of the test's. */
  Executor executor(String id, Consumer<ExecutorSettings> tweak, Clock clock) {
    ExecutorSettings s = settings(id);
    tweak.accept(s);
    Executor executor = new Executor(kafkaSettings, s, registry, parts(), clock);
    executor.start();
    return executor;
  }

  /** The settings of an executor in the tests' consumer group, quick to fail over. */
  static ExecutorSettings settings(String id) {
    ExecutorSettings s = new ExecutorSettings();
    s.groupId = "test-executors";
    s.executorId = id;
    s.workers = 4;
    s.claimTtl = io.dropwizard.util.Duration.seconds(2);
    s.sessionTimeout = io.dropwizard.util.Duration.seconds(6);
    // a frozen executor's open transaction holds its partitions' offsets back till it times out
    s.transactionTimeout = io.dropwizard.util.Duration.seconds(8);
    s.stopGrace = io.dropwizard.util.Duration.milliseconds(300);
    s.abandonGrace = io.dropwizard.util.Duration.milliseconds(300);
    s.drain = io.dropwizard.util.Duration.seconds(2);
    s.retryBackoff = io.dropwizard.util.Duration.milliseconds(100);
    return s;
  }

  /**
   * An executor in a process of its own on this harness's broker and store, as {@link
   * #executor(String)} makes one, for a test that kills it as an operator's kill -9 would.
   */
  ExecutorProcess executorProcess(String id) throws IOException {
    return ExecutorProcess.start(kafka.bootstrapServers(), mongo.uri(), id);
  }
}
