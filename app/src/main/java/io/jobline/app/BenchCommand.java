package io.jobline.app;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.jobline.store.MongoRunStore;
import io.jobline.store.RunStore;
import io.jobline.topic.RequestProducer;
import io.jobline.wire.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
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
      description =
          "With --store h2: the folder, kept afterwards (default: a new temporary one, deleted"
              + " afterwards).")
  Path dataDir;

  @Option(
      names = "--stream-threads",
      description = "History Streams threads; 0 keeps the configured number.")
  int streamThreads;

  @Option(
      names = "--history-commit-ms",
      description = "History's commit interval in ms; 0 keeps the configured one.")
  int historyCommitMs;

  @Option(
      names = "--executor-commit-ms",
      description = "The executor's commit interval in ms; 0 keeps the configured one.")
  int executorCommitMs;

  @Option(
      names = "--warm-up",
      description =
          "No-op jobs run first and not measured, so that the JVM has compiled the hot paths"
              + " (default: ${DEFAULT-VALUE}).")
  int warmUp = 10_000;

  @Option(
      names = "--history-hold-ms",
      description = "How long history holds a queued run back, in ms; -1 keeps the configured one.")
  int historyHoldMs = -1;

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
    return inFolder(store.equals("h2"), dataDir, this::measure);
  }

  /** What runs in the bench's data folder. */
  interface InFolder {
    int run(Path folder) throws Exception;
  }

  /**
   * Runs {@code body} in the data folder: none for the memory store, {@code given} if set (kept
   * afterwards), else a new temporary one, deleted afterwards whatever happens (several GB after a
   * large bench, and left in the temp folder after every run before).
   */
  static int inFolder(boolean h2, Path given, InFolder body) throws Exception {
    if (!h2) {
      return body.run(null);
    }
    if (given != null) {
      return body.run(given);
    }
    Path folder = Files.createTempDirectory("jobline-bench-");
    try {
      return body.run(folder);
    } finally {
      try {
        Standalone.deleteTree(folder);
      } catch (IOException | RuntimeException e) {
        // (not in place of the bench's own outcome)
        System.err.println("jobline: could not delete the bench's folder " + folder + ": " + e);
      }
    }
  }

  private int measure(Path folder) throws Exception {
    Standalone.Options options =
        Standalone.Options.ephemeral(folder)
            .withTweak(
                c -> {
                  if (streamThreads > 0) {
                    c.history.streamThreads = streamThreads;
                  }
                  if (historyCommitMs > 0) {
                    c.history.commitInterval =
                        io.dropwizard.util.Duration.milliseconds(historyCommitMs);
                  }
                  if (historyHoldMs >= 0) {
                    c.history.holdQueued = io.dropwizard.util.Duration.milliseconds(historyHoldMs);
                  }
                  c.executor.workers = workers;
                  if (executorCommitMs > 0) {
                    c.executor.commitInterval =
                        io.dropwizard.util.Duration.milliseconds(executorCommitMs);
                  }
                });
    try (Standalone standalone = Standalone.start(options);
        MongoClient mongo = MongoClients.create(standalone.mongoUri());
        Admin admin = Admin.create(standalone.config().kafka.clientProperties())) {
      RunStore runs =
          new MongoRunStore(
              mongo.getDatabase(standalone.config().mongo.database), Clock.systemUTC());
      try (RequestProducer producer =
              new RequestProducer(standalone.config().kafka, "jobline-bench");
          BenchCompletions completions = new BenchCompletions(standalone)) {
        BenchLoad load =
            new BenchLoad(producer, completions, jobs, tenants, payloadBytes, rate, timeoutSeconds);
        load.warmUp(warmUp);
        load.awaitHistory(runs, load.fences(standalone));
        completions.reset();
        StoreWrites storeWrites = standalone.application().storeWrites();
        BenchBreakdown before = BenchBreakdown.before(admin, storeWrites);
        long readBackBefore = runsReadBack(standalone);
        BenchLoad.Submitted submitted = load.submit();
        List<String> ids = submitted.ids();
        List<String> fences = load.fences(standalone);
        Instant allVisible = load.awaitVisible(runs, ids, fences);
        double seconds = Duration.between(submitted.firstSubmit(), allVisible).toNanos() / 1e9;
        Map<String, Object> breakdown = before.after(admin, storeWrites, jobs);
        breakdown.put(
            "history_runs_read_from_store_per_run",
            BenchReport.round2((runsReadBack(standalone) - readBackBefore) / (double) jobs));

        Map<String, Object> report =
            BenchReport.headline(runs, ids, seconds, tenants, payloadBytes, rate);
        long[] visible = completions.eventsVisibleMs();
        report.put(
            "events_visible_ms",
            Map.of("p50", BenchReport.pct(visible, 50), "p99", BenchReport.pct(visible, 99)));
        report.put("warm_up_jobs", warmUp);
        report.put("history_stream_threads", standalone.config().history.streamThreads);
        report.put("executor_workers", standalone.config().executor.workers);
        report.put("breakdown", breakdown);

        int recordBytes = submitted.recordBytes();
        double raw =
            new RawKafkaBaseline(standalone, jobs, tenants, timeoutSeconds)
                .recordsPerSecond(recordBytes);
        double throughput = (double) report.get("throughput_jobs_per_s");
        report.put("raw_kafka_records_per_s", BenchReport.round(raw));
        report.put("ratio_to_raw", Math.round(throughput / raw * 10000) / 10000.0);
        report.put("store", store.equals("h2") ? "h2 (data folder " + folder + ")" : "memory");
        report.put("store_backend", standalone.storeBackend());
        report.put("record_bytes", recordBytes);
        report.put("peak_rss_mb", BenchBreakdown.peakRssMb());
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

  /**
   * Runs history has looked for in MongoDB so far (those its state did not hold when an input of a
   * run's later life came; most, ends folded before their requests).
   */
  private static long runsReadBack(Standalone standalone) {
    return standalone.application().history().map(h -> h.metrics().runsReadFromStore()).orElse(0L);
  }
}
