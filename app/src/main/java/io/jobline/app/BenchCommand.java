package io.jobline.app;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.jobline.run.RunStatus;
import io.jobline.store.MongoRunStore;
import io.jobline.store.RunStore;
import io.jobline.topic.RequestProducer;
import io.jobline.topic.TopicAdmin;
import io.jobline.topic.TopicSettings;
import io.jobline.topic.Topics;
import io.jobline.wire.Json;
import io.jobline.wire.JobRequest;
import io.jobline.wire.RunId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jobline bench}: runs the real pipeline (standalone, in this JVM) with no-op jobs, then raw
 * Kafka produce+consume of as many records of the same size on the same broker, and prints one
 * JSON document comparing them.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, subcommands = BenchSchedulesCommand.class,
    description = "Measure end-to-end throughput and latency of no-op jobs against raw Kafka.")
final class BenchCommand implements Callable<Integer> {
  @Option(names = "--jobs", description = "Jobs to run (default: ${DEFAULT-VALUE}).")
  int jobs = 10_000;

  @Option(names = "--tenants", description = "Distinct tenants (record keys) (default: ${DEFAULT-VALUE}).")
  int tenants = 100;

  @Option(names = "--payload-bytes", description = "Padding added to each request's params (default: ${DEFAULT-VALUE}).")
  int payloadBytes = 100;

  @Option(names = "--rate", description = "Offered load in jobs/s; 0 submits as fast as possible (default: ${DEFAULT-VALUE}).")
  int rate;

  @Option(names = "--data-dir", description = "Keep data in this folder (H2 store); default: in memory.")
  Path dataDir;

  @Option(names = "--in-memory", description = "Use the in-memory store (the default unless --data-dir is given).")
  boolean inMemory;

  @Option(names = "--stream-threads", description = "History Streams threads (default: ${DEFAULT-VALUE}).")
  int streamThreads = 1;

  @Option(names = "--workers", description = "Executor worker threads (default: ${DEFAULT-VALUE}).")
  int workers = 8;

  @Option(names = "--timeout", description = "Give up after this many seconds (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds = 900;

  @Override
  public Integer call() throws Exception {
    boolean memory = inMemory || dataDir == null;
    Standalone.Options options = Standalone.Options.ephemeral(memory ? null : dataDir).withTweak(c -> {
      c.history.streamThreads = streamThreads;
      c.executor.workers = workers;
    });
    try (Standalone standalone = Standalone.start(options);
        MongoClient mongo = MongoClients.create(standalone.mongoUri())) {
      RunStore runs = new MongoRunStore(mongo.getDatabase(standalone.config().mongo.database), Clock.systemUTC());
      try (RequestProducer producer = new RequestProducer(standalone.config().kafka, "jobline-bench")) {
        warmUp(producer, runs);
        long before = runs.countByStatus(RunStatus.COMPLETED);
        String padding = "x".repeat(payloadBytes);
        Set<String> ids = new java.util.HashSet<>();
        long start = System.nanoTime();
        Instant firstSubmit = Instant.now();
        List<CompletableFuture<?>> acks = new ArrayList<>();
        int recordBytes = 0;
        for (int i = 0; i < jobs; i++) {
          if (rate > 0) {
            long due = start + (long) (i * 1e9 / rate);
            long wait = due - System.nanoTime();
            if (wait > 0) {
              LockSupport.parkNanos(wait);
            }
          }
          ObjectNode params = Json.object().put("pad", padding);
          JobRequest request = JobRequest.manual(RunId.random(), "noop", params,
              "tenant-" + (i % tenants), Instant.now(), "bench");
          if (i == 0) {
            recordBytes = Topics.REQUESTS.valueSerde().serializer().serialize("", request).length;
          }
          ids.add(request.runId().value());
          acks.add(producer.send(request));
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(timeoutSeconds, TimeUnit.SECONDS);
        awaitCompleted(runs, before + jobs);
        Map<String, Object> report = report(runs, ids, firstSubmit);
        double raw = rawKafka(standalone, recordBytes);
        double throughput = (double) report.get("throughput_jobs_per_s");
        report.put("raw_kafka_records_per_s", round(raw));
        report.put("ratio_to_raw", Math.round(throughput / raw * 10000) / 10000.0);
        report.put("store_backend", standalone.storeBackend());
        report.put("record_bytes", recordBytes);
        report.put("peak_rss_mb", peakRssMb());
        report.put("machine", Map.of("cores", Runtime.getRuntime().availableProcessors(),
            "java", System.getProperty("java.version"),
            "max_heap_mb", Runtime.getRuntime().maxMemory() / (1024 * 1024)));
        System.out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(report));
      }
    }
    return 0;
  }

  private void warmUp(RequestProducer producer, RunStore runs) {
    JobRequest probe = JobRequest.manual(RunId.random(), "noop", Json.object(), "warm-up", Instant.now(), "bench");
    producer.sendAndWait(probe);
    Instant deadline = Instant.now().plusSeconds(120);
    while (runs.find(probe.runId().value()).map(r -> r.status() != RunStatus.COMPLETED).orElse(true)) {
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("the pipeline did not complete a warm-up run within 120 s");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
  }

  private void awaitCompleted(RunStore runs, long target) {
    Instant deadline = Instant.now().plusSeconds(timeoutSeconds);
    long done;
    while ((done = runs.countByStatus(RunStatus.COMPLETED)) < target) {
      progress(done - (target - jobs), jobs);
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("only " + done + " of " + target + " runs completed within "
            + timeoutSeconds + " s");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(250));
    }
    progress(jobs, jobs);
    System.err.println();
  }

  private static void progress(long done, long total) {
    int width = 40;
    int filled = (int) (width * done / Math.max(1, total));
    System.err.printf("\r[%s%s] %d/%d runs completed", "#".repeat(filled), " ".repeat(width - filled), done, total);
  }

  private Map<String, Object> report(RunStore runs, Set<String> ids, Instant firstSubmit) {
    List<RunStore.RunTiming> timings = runs.timings().stream().filter(t -> ids.contains(t.runId())).toList();
    long[] dispatch = timings.stream().mapToLong(t -> Duration.between(t.requestedAt(), t.startedAt()).toMillis()).sorted().toArray();
    long[] lag = timings.stream().mapToLong(t -> Duration.between(t.completedAt(), t.visibleAt()).toMillis()).sorted().toArray();
    Instant lastVisible = timings.stream().map(RunStore.RunTiming::visibleAt).max(Instant::compareTo).orElseThrow();
    double seconds = Duration.between(firstSubmit, lastVisible).toNanos() / 1e9;
    Map<String, Object> out = new java.util.LinkedHashMap<>();
    out.put("jobs", timings.size());
    out.put("tenants", tenants);
    out.put("payload_bytes", payloadBytes);
    out.put("offered_rate", rate == 0 ? "max" : rate);
    out.put("elapsed_s", round(seconds));
    out.put("throughput_jobs_per_s", round(timings.size() / seconds));
    out.put("dispatch_latency_ms", Map.of("p50", pct(dispatch, 50), "p95", pct(dispatch, 95), "p99", pct(dispatch, 99)));
    out.put("history_lag_ms", Map.of("p50", pct(lag, 50), "p99", pct(lag, 99)));
    return out;
  }

  /** Produces and consumes as many records of the same size on the same broker. */
  private double rawKafka(Standalone standalone, int recordBytes) throws Exception {
    TopicSettings settings = new TopicSettings();
    TopicAdmin.ensureTopics(standalone.config().kafka, settings, List.of(Topics.BENCH_RAW), Duration.ofSeconds(60));
    byte[] value = new byte[recordBytes];
    Arrays.fill(value, (byte) 'x');
    Map<String, Object> producerProps = standalone.config().kafka.clientProperties();
    producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
    producerProps.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    Map<String, Object> consumerProps = standalone.config().kafka.clientProperties();
    consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, "jobline-bench-raw-" + System.nanoTime());
    consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer());
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(Topics.BENCH_RAW.name()));
      while (consumer.assignment().isEmpty()) {
        consumer.poll(Duration.ofMillis(100));
      }
      consumer.seekToEnd(consumer.assignment());
      consumer.assignment().forEach(consumer::position);
      long start = System.nanoTime();
      for (int i = 0; i < jobs; i++) {
        producer.send(new ProducerRecord<>(Topics.BENCH_RAW.name(), ("tenant-" + (i % tenants)).getBytes(), value));
      }
      producer.flush();
      long consumed = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
      while (consumed < jobs && System.nanoTime() < deadline) {
        consumed += consumer.poll(Duration.ofMillis(100)).count();
      }
      return consumed / ((System.nanoTime() - start) / 1e9);
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
