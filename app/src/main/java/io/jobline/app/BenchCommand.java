package io.jobline.app;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.jobline.store.MongoRunStore;
import io.jobline.store.RunStore;
import io.jobline.topic.RequestProducer;
import io.jobline.topic.Topic;
import io.jobline.topic.TopicAdmin;
import io.jobline.topic.TopicSettings;
import io.jobline.topic.Topics;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jobline bench}: runs the real pipeline (standalone, in this JVM) with no-op jobs, then raw
 * Kafka produce+consume of as many records of the same size, on the same topic layout and with the
 * pipeline's client settings, and prints one JSON document comparing them, with where the time
 * went. Progress is counted from the terminal events on the topic, never from scans of the store.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    subcommands = BenchSchedulesCommand.class,
    description = "Measure end-to-end throughput and latency of no-op jobs against raw Kafka.")
final class BenchCommand implements Callable<Integer> {
  /**
   * Scratch topic of the raw-Kafka baseline: produced and consumed at once, as the pipeline's
   * requests are.
   */
  private static final Topic<byte[], byte[]> BENCH_RAW =
      new Topic<>("jobline.bench.raw", Serdes.ByteArray(), Serdes.ByteArray());

  @Option(names = "--jobs", description = "Jobs to run (default: ${DEFAULT-VALUE}).")
  int jobs = 10_000;

  @Option(
      names = "--tenants",
      description = "Distinct tenants (record keys) (default: ${DEFAULT-VALUE}).")
  int tenants = 100;

  @Option(
      names = "--payload-bytes",
      description = "Padding added to each request's params (default: ${DEFAULT-VALUE}).")
  int payloadBytes = 100;

  @Option(
      names = "--rate",
      description =
          "Offered load in jobs/s; 0 submits as fast as possible (default: ${DEFAULT-VALUE}).")
  int rate;

  @Option(
      names = "--store",
      description =
          "`memory` or `h2` (a data folder, as standalone runs) (default: ${DEFAULT-VALUE}).")
  String store = "memory";

  @Option(
      names = "--data-dir",
      description = "With --store h2: the folder (default: a new temporary one).")
  Path dataDir;

  @Option(
      names = "--stream-threads",
      description = "History Streams threads (default: ${DEFAULT-VALUE}).")
  int streamThreads = 1;

  @Option(
      names = "--history-commit-ms",
      description = "History's commit interval in ms; 0 keeps the configured one.")
  int historyCommitMs;

  @Option(names = "--workers", description = "Executor worker threads (default: ${DEFAULT-VALUE}).")
  int workers = 8;

  @Option(
      names = "--timeout",
      description = "Give up after this many seconds (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds = 900;

  @Override
  public Integer call() throws Exception {
    if (!store.equals("memory") && !store.equals("h2")) {
      System.err.println("jobline: --store must be `memory` or `h2`, not `" + store + "`");
      return 2;
    }
    Path folder =
        store.equals("h2")
            ? (dataDir != null ? dataDir : Files.createTempDirectory("jobline-bench-"))
            : null;
    Standalone.Options options =
        Standalone.Options.ephemeral(folder)
            .withTweak(
                c -> {
                  c.history.streamThreads = streamThreads;
                  if (historyCommitMs > 0) {
                    c.history.commitInterval =
                        io.dropwizard.util.Duration.milliseconds(historyCommitMs);
                  }
                  c.executor.workers = workers;
                });
    try (Standalone standalone = Standalone.start(options);
        MongoClient mongo = MongoClients.create(standalone.mongoUri());
        Admin admin = Admin.create(standalone.config().kafka.clientProperties())) {
      RunStore runs =
          new MongoRunStore(
              mongo.getDatabase(standalone.config().mongo.database), Clock.systemUTC());
      try (RequestProducer producer =
              new RequestProducer(standalone.config().kafka, "jobline-bench");
          Completions completions = new Completions(standalone)) {
        warmUp(producer, completions);
        Map<String, Long> offsetsBefore = endOffsets(admin);
        long writesBefore = standalone.application().storeWrites().documents();
        long commandsBefore = standalone.application().storeWrites().commands();
        Map<String, Long> cpuBefore = cpuByGroup();
        long gcBefore = gcMillis();
        String padding = "x".repeat(payloadBytes);
        List<String> ids = new ArrayList<>(jobs);
        long start = System.nanoTime();
        Instant firstSubmit = Instant.now();
        List<CompletableFuture<?>> acks = new ArrayList<>();
        int recordBytes = 0;
        for (int i = 0; i < jobs; i++) {
          if (rate > 0) {
            long wait = start + (long) (i * 1e9 / rate) - System.nanoTime();
            if (wait > 0) {
              LockSupport.parkNanos(wait);
            }
          }
          ObjectNode params = Json.object().put("pad", padding);
          JobRequest request =
              JobRequest.manual(
                  RunId.random(),
                  "noop",
                  params,
                  "tenant-" + (i % tenants),
                  Instant.now(),
                  "bench");
          if (i == 0) {
            recordBytes = Topics.REQUESTS.valueSerde().serializer().serialize("", request).length;
          }
          ids.add(request.runId().value());
          completions.expect(request.runId().value());
          acks.add(producer.send(request));
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new))
            .get(timeoutSeconds, TimeUnit.SECONDS);
        completions.await(jobs, timeoutSeconds);
        List<String> fences = fences(standalone, completions);
        Instant allVisible = awaitVisible(runs, ids, fences);
        double seconds = Duration.between(firstSubmit, allVisible).toNanos() / 1e9;
        Map<String, Long> cpuAfter = cpuByGroup();
        long gcAfter = gcMillis();
        Map<String, Long> offsetsAfter = endOffsets(admin);
        long writes = standalone.application().storeWrites().documents() - writesBefore;
        long commands = standalone.application().storeWrites().commands() - commandsBefore;

        Map<String, Object> report = report(runs, ids, seconds);
        Map<String, Object> breakdown = new LinkedHashMap<>();
        Map<String, Object> cpu = new LinkedHashMap<>();
        cpuAfter.forEach(
            (group, nanos) ->
                cpu.put(group, round((nanos - cpuBefore.getOrDefault(group, 0L)) / 1e9)));
        breakdown.put("cpu_seconds_by_thread_group", cpu);
        Map<String, Object> records = new LinkedHashMap<>();
        double kafkaPerRun = 0;
        for (Map.Entry<String, Long> e : offsetsAfter.entrySet()) {
          double perRun =
              (e.getValue() - offsetsBefore.getOrDefault(e.getKey(), 0L)) / (double) jobs;
          if (perRun > 0) {
            records.put(e.getKey(), round2(perRun));
            kafkaPerRun += perRun;
          }
        }
        breakdown.put("kafka_records_per_run_by_topic", records);
        breakdown.put("kafka_records_per_run", round2(kafkaPerRun));
        breakdown.put("store_documents_written_per_run", round2(writes / (double) jobs));
        breakdown.put("store_write_commands_per_run", round2(commands / (double) jobs));
        breakdown.put("gc_pause_ms", gcAfter - gcBefore);
        report.put("breakdown", breakdown);

        double raw = rawKafka(standalone, admin, recordBytes);
        double throughput = (double) report.get("throughput_jobs_per_s");
        report.put("raw_kafka_records_per_s", round(raw));
        report.put("ratio_to_raw", Math.round(throughput / raw * 10000) / 10000.0);
        report.put("store", store.equals("h2") ? "h2 (data folder " + folder + ")" : "memory");
        report.put("store_backend", standalone.storeBackend());
        report.put("record_bytes", recordBytes);
        report.put("peak_rss_mb", peakRssMb());
        report.put(
            "machine",
            Map.of(
                "cores",
                Runtime.getRuntime().availableProcessors(),
                "java",
                System.getProperty("java.version"),
                "max_heap_mb",
                Runtime.getRuntime().maxMemory() / (1024 * 1024)));
        System.out.println(
            Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(report));
      }
    }
    return 0;
  }

  /** Counts the runs that completed, from their terminal events on {@code jobline.events}. */
  private static final class Completions implements AutoCloseable {
    private final Set<String> expected = ConcurrentHashMap.newKeySet();
    private final AtomicLong completed = new AtomicLong();
    private final KafkaConsumer<String, RunEvent> consumer;
    private final Thread thread;
    private volatile boolean running = true;

    Completions(Standalone standalone) {
      Map<String, Object> props = standalone.config().kafka.clientProperties();
      props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
      consumer =
          new KafkaConsumer<>(
              props,
              Topics.EVENTS.keySerde().deserializer(),
              Topics.EVENTS.valueSerde().deserializer());
      List<TopicPartition> partitions =
          consumer.partitionsFor(Topics.EVENTS.name()).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToEnd(partitions);
      partitions.forEach(consumer::position);
      thread = new Thread(this::loop, "jobline-bench-completions");
      thread.setDaemon(true);
      thread.start();
    }

    void expect(String runId) {
      expected.add(runId);
    }

    private void loop() {
      try {
        while (running) {
          for (ConsumerRecord<String, RunEvent> r : consumer.poll(Duration.ofMillis(100))) {
            RunEvent e = r.value();
            if (e != null
                && e.type() == EventType.COMPLETED
                && expected.remove(e.runId().value())) {
              completed.incrementAndGet();
            }
          }
        }
      } catch (WakeupException e) {
        // closing
      } finally {
        consumer.close();
      }
    }

    void await(long count, int timeoutSeconds) {
      Instant deadline = Instant.now().plusSeconds(timeoutSeconds);
      ProgressDisplay display = ProgressDisplay.onStderr();
      long done;
      while ((done = completed.get()) < count) {
        display.status(
            done + "/" + count + " runs completed", (int) (done * 100 / Math.max(1, count)), false);
        if (Instant.now().isAfter(deadline)) {
          throw new IllegalStateException(
              "only " + done + " of " + count + " runs completed within " + timeoutSeconds + " s");
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(250));
      }
      display.status(count + "/" + count + " runs completed", 100, true);
    }

    long completed() {
      return completed.get();
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      consumer.wakeup();
      thread.join(5000);
    }
  }

  private void warmUp(RequestProducer producer, Completions completions) {
    for (int i = 0; i < 200; i++) {
      JobRequest probe =
          JobRequest.manual(
              RunId.random(),
              "noop",
              Json.object(),
              "warm-up-" + (i % tenants),
              Instant.now(),
              "bench");
      completions.expect(probe.runId().value());
      producer.send(probe);
    }
    completions.await(200, 120);
    completions.completed.set(0);
  }

  /**
   * One more no-op run on every partition of {@code jobline.requests}, after all the others:
   * history folds each partition in order, so once these are visible the runs before them are too,
   * and the bench need not look for twenty thousand runs while history is still writing them.
   */
  private List<String> fences(Standalone standalone, Completions completions) throws Exception {
    List<String> fences = new ArrayList<>();
    Map<String, Object> props = standalone.config().kafka.clientProperties();
    try (KafkaProducer<String, JobRequest> producer =
        new KafkaProducer<>(
            props,
            Topics.REQUESTS.keySerde().serializer(),
            Topics.REQUESTS.valueSerde().serializer())) {
      int partitions = producer.partitionsFor(Topics.REQUESTS.name()).size();
      for (int p = 0; p < partitions; p++) {
        JobRequest fence =
            JobRequest.manual(
                RunId.random(), "noop", Json.object(), "fence-" + p, Instant.now(), "bench");
        fences.add(fence.runId().value());
        completions.expect(fence.runId().value());
        producer
            .send(new ProducerRecord<>(Topics.REQUESTS.name(), p, fence.partitionKey(), fence))
            .get(30, TimeUnit.SECONDS);
      }
    }
    return fences;
  }

  /**
   * Waits until history shows every run, and returns when the last became visible: first the fences
   * (a few lookups by id), then every run once by id in batches, then only the few left.
   */
  private Instant awaitVisible(RunStore runs, List<String> ids, List<String> fences) {
    Instant deadline = Instant.now().plusSeconds(timeoutSeconds);
    while (runs.ended(fences).size() < fences.size()) {
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException(
            "history did not show the bench's last runs within " + timeoutSeconds + " s");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
    List<String> left = new ArrayList<>(ids);
    while (!left.isEmpty()) {
      List<String> still = new ArrayList<>();
      for (int from = 0; from < left.size(); from += 1000) {
        List<String> batch = left.subList(from, Math.min(left.size(), from + 1000));
        Set<String> visible = runs.ended(batch);
        batch.stream().filter(id -> !visible.contains(id)).forEach(still::add);
      }
      left = still;
      if (!left.isEmpty()) {
        if (Instant.now().isAfter(deadline)) {
          throw new IllegalStateException(
              left.size() + " runs completed but never became visible in history");
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
      }
    }
    return runs.timings(ids).stream()
        .map(RunStore.RunTiming::visibleAt)
        .max(Instant::compareTo)
        .orElseThrow();
  }

  private Map<String, Object> report(RunStore runs, List<String> ids, double seconds) {
    List<RunStore.RunTiming> timings = runs.timings(ids);
    long[] dispatch =
        timings.stream()
            .filter(t -> t.startedAt() != null)
            .mapToLong(t -> Duration.between(t.requestedAt(), t.startedAt()).toMillis())
            .sorted()
            .toArray();
    long[] lag =
        timings.stream()
            .mapToLong(t -> Duration.between(t.completedAt(), t.visibleAt()).toMillis())
            .sorted()
            .toArray();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("jobs", timings.size());
    out.put("tenants", tenants);
    out.put("payload_bytes", payloadBytes);
    out.put("offered_rate", rate == 0 ? "max" : rate);
    out.put("elapsed_s", round(seconds));
    out.put("throughput_jobs_per_s", round(timings.size() / seconds));
    out.put(
        "dispatch_latency_ms",
        Map.of("p50", pct(dispatch, 50), "p95", pct(dispatch, 95), "p99", pct(dispatch, 99)));
    out.put("history_lag_ms", Map.of("p50", pct(lag, 50), "p99", pct(lag, 99)));
    return out;
  }

  /** End offsets of every topic (transaction markers included: each takes an offset). */
  private static Map<String, Long> endOffsets(Admin admin) throws Exception {
    Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
    Set<String> names =
        admin
            .listTopics(new ListTopicsOptions().listInternal(false))
            .names()
            .get(30, TimeUnit.SECONDS);
    admin
        .describeTopics(names)
        .allTopicNames()
        .get(30, TimeUnit.SECONDS)
        .values()
        .forEach(
            d ->
                d.partitions()
                    .forEach(
                        p ->
                            specs.put(
                                new TopicPartition(d.name(), p.partition()), OffsetSpec.latest())));
    Map<String, Long> out = new TreeMap<>();
    admin
        .listOffsets(specs)
        .all()
        .get(30, TimeUnit.SECONDS)
        .forEach((tp, info) -> out.merge(tp.topic(), info.offset(), Long::sum));
    return out;
  }

  /** CPU time of this JVM's threads so far, by what they serve (named from the thread names). */
  private static Map<String, Long> cpuByGroup() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Map<String, Long> out = new TreeMap<>();
    for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info == null) {
        continue;
      }
      long cpu = threads.getThreadCpuTime(info.getThreadId());
      if (cpu > 0) {
        out.merge(group(info.getThreadName()), cpu, Long::sum);
      }
    }
    return out;
  }

  static String group(String thread) {
    String t = thread.toLowerCase(Locale.ROOT);
    if (t.startsWith("jobline-run")
        || t.startsWith("jobline-executor")
        || t.startsWith("jobline-watchdog")
        || t.contains("jobline-executor-events")
        || t.startsWith("kafka-producer-network-thread | jobline-executor")) {
      return "executor";
    }
    if (t.contains("jobline-history") || t.contains("streamthread")) {
      return "history";
    }
    if (t.startsWith("jobline-scheduler") || t.contains("chains")) {
      return "scheduler";
    }
    if (t.startsWith("dw-") || t.contains("jobline-api")) {
      return "api";
    }
    if (t.contains("bench") || t.equals("main")) {
      return "bench";
    }
    if (t.contains("nioeventloop") || t.contains("mongo") || t.contains("h2")) {
      return "store";
    }
    if (t.startsWith("kafka-producer-network-thread")
        || t.startsWith("kafka-coordinator")
        || t.contains("consumer")
        || t.contains("admin")) {
      return "kafka-clients";
    }
    if (t.contains("kafka")
        || t.contains("raft")
        || t.contains("broker")
        || t.contains("controller")
        || t.contains("reaper")
        || t.contains("data-plane")
        || t.contains("log")
        || t.contains("replica")
        || t.contains("group-coordinator")
        || t.contains("transaction")
        || t.contains("quorum")) {
      return "broker";
    }
    if (t.contains("gc") || t.contains("g1") || t.contains("compiler") || t.contains("vm ")) {
      return "jvm";
    }
    return "other";
  }

  private static long gcMillis() {
    long total = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      total += Math.max(0, gc.getCollectionTime());
    }
    return total;
  }

  /**
   * Produces and consumes as many records of the same size at once, on a topic laid out as {@code
   * jobline.requests} and with the pipeline's producer settings, after the same kind of warm-up.
   */
  private double rawKafka(Standalone standalone, Admin admin, int recordBytes) throws Exception {
    TopicSettings settings = standalone.config().topics;
    TopicAdmin.ensureTopics(
        standalone.config().kafka, settings, List.of(BENCH_RAW), Duration.ofSeconds(60));
    byte[] value = new byte[recordBytes];
    Arrays.fill(value, (byte) 'x');
    Map<String, Object> producerProps = standalone.config().kafka.clientProperties();
    producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
    producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    producerProps.put(ProducerConfig.LINGER_MS_CONFIG, 2);
    producerProps.put(ProducerConfig.BATCH_SIZE_CONFIG, 65536);
    Map<String, Object> consumerProps = standalone.config().kafka.clientProperties();
    consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    consumerProps.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1000);
    try (KafkaProducer<byte[], byte[]> producer =
            new KafkaProducer<>(
                producerProps, new ByteArraySerializer(), new ByteArraySerializer());
        KafkaConsumer<byte[], byte[]> consumer =
            new KafkaConsumer<>(
                consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(BENCH_RAW.name()).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToEnd(partitions);
      partitions.forEach(consumer::position);
      for (int i = 0; i < 1000; i++) { // warm-up
        producer.send(
            new ProducerRecord<>(BENCH_RAW.name(), ("tenant-" + (i % tenants)).getBytes(), value));
      }
      producer.flush();
      long warm = 0;
      while (warm < 1000) {
        warm += consumer.poll(Duration.ofMillis(100)).count();
      }
      AtomicLong consumed = new AtomicLong();
      Thread reader =
          new Thread(
              () -> {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
                while (consumed.get() < jobs && System.nanoTime() < deadline) {
                  consumed.addAndGet(consumer.poll(Duration.ofMillis(100)).count());
                }
              },
              "jobline-bench-raw-consumer");
      long start = System.nanoTime();
      reader.start();
      for (int i = 0; i < jobs; i++) {
        producer.send(
            new ProducerRecord<>(BENCH_RAW.name(), ("tenant-" + (i % tenants)).getBytes(), value));
      }
      producer.flush();
      reader.join();
      return consumed.get() / ((System.nanoTime() - start) / 1e9);
    }
  }

  /** The p-th percentile (nearest rank) of sorted values; -1 when there are none. */
  static long pct(long[] sorted, int p) {
    if (sorted.length == 0) {
      return -1;
    }
    int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  private static double round(double v) {
    return Math.round(v * 10) / 10.0;
  }

  private static double round2(double v) {
    return Math.round(v * 100) / 100.0;
  }

  private static long peakRssMb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
        }
      }
    } catch (Exception e) {
      return -1;
    }
    return -1;
  }
}
