package io.jobline.app.chaos;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.topic.Topics;
import io.jobline.wire.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@code jobline chaos --scenario noisy-neighbour}: one tenant puts a large backlog on the requests
 * topic at once while many small tenants each submit a few runs a second over REST; the small
 * tenants' dispatch latency (requested to started) must stay low while the big tenant's backlog is
 * worked off. Runs on its own installation: one broker, the store, an api, two executors and
 * history.
 */
final class NoisyNeighbour implements AutoCloseable {
  static final String BIG = "big-tenant";
  private static final int PARTITIONS = 6;

  /** The sizes of the scenario. */
  record Settings(
      int bigJobs,
      int smallTenants,
      double perTenantPerSecond,
      Duration warmup,
      Duration timeout,
      long targetP99Millis) {
    static Settings of(int bigJobs) {
      return new Settings(bigJobs, 20, 5, Duration.ofSeconds(10), Duration.ofMinutes(20), 1000);
    }
  }

  /** What the scenario measured. */
  record Result(
      long bigJobs,
      long bigCompleted,
      double bigSeconds,
      long smallAccepted,
      long smallStarted,
      long smallInBurst,
      long p50,
      long p95,
      long p99,
      long max,
      List<String> notes,
      boolean ok) {
    ObjectNode json(Settings s) {
      ObjectNode o = Json.object().put("scenario", "noisy-neighbour");
      o.putObject("big_tenant")
          .put("tenant_id", BIG)
          .put("jobs", bigJobs)
          .put("completed", bigCompleted)
          .put("seconds", Math.round(bigSeconds * 10) / 10.0)
          .put("jobs_per_second", bigSeconds <= 0 ? 0 : Math.round(bigCompleted / bigSeconds));
      o.putObject("other_tenants")
          .put("tenants", s.smallTenants())
          .put("per_tenant_per_second", s.perTenantPerSecond())
          .put("accepted", smallAccepted)
          .put("started", smallStarted)
          .put("during_backlog", smallInBurst)
          .put("dispatch_p50_ms", p50)
          .put("dispatch_p95_ms", p95)
          .put("dispatch_p99_ms", p99)
          .put("dispatch_max_ms", max)
          .put("target_p99_ms", s.targetP99Millis());
      o.put("notes", String.join("; ", notes));
      o.put("ok", ok);
      return o;
    }
  }

  private final Path dir;
  private final Settings settings;
  private final Consumer<String> say;
  private final Cluster cluster;

  NoisyNeighbour(Path dir, Settings settings, Consumer<String> say) throws IOException {
    this.dir = dir;
    this.settings = settings;
    this.say = say;
    this.cluster = new Cluster(dir, say);
  }

  Result run() throws Exception {
    say.accept("starting a Kafka broker, the store, an api, 2 executors and history");
    cluster.startKafka(1);
    cluster.startStore();
    ChaosRun.awaitBrokers(cluster, 1, Duration.ofSeconds(180));
    ChaosCommand.createTopics(cluster.bootstrap(), PARTITIONS, (short) 1);
    cluster.writeConfig(PARTITIONS, 1);
    List<String> roles = List.of("api-1", "executor-1", "executor-2", "history-1");
    cluster.startRole("api-1", "api", Map.of());
    cluster.startRole("executor-1", "executor", Map.of("EXECUTOR_ID", "executor-1"));
    cluster.startRole("executor-2", "executor", Map.of("EXECUTOR_ID", "executor-2"));
    cluster.startRole("history-1", "history", Map.of());
    cluster.awaitHealthy(roles, Duration.ofSeconds(300));

    SmallTenants tenants = new SmallTenants(cluster.url("api-1"), settings.smallTenants());
    double perSecond = settings.smallTenants() * settings.perTenantPerSecond();
    List<String> notes = new ArrayList<>();
    try (RunStarts starts = new RunStarts(cluster.bootstrap())) {
      tenants.start(perSecond);
      Thread.sleep(
          settings.warmup().toMillis()); // the small tenants' steady state before the backlog
      long burstStart = System.currentTimeMillis();
      burst(starts);
      say.accept(
          settings.bigJobs()
              + " requests of "
              + BIG
              + " on the topic in "
              + (System.currentTimeMillis() - burstStart) / 1000.0
              + " s; the other tenants go on at "
              + perSecond
              + "/s");
      long deadline = burstStart + settings.timeout().toMillis();
      while (starts.bigCompleted() < settings.bigJobs() && System.currentTimeMillis() < deadline) {
        say.accept(
            BIG
                + ": "
                + starts.bigCompleted()
                + " of "
                + settings.bigJobs()
                + " completed; other tenants: "
                + tenants.acceptedCount()
                + " accepted, "
                + starts.smallStarted()
                + " started");
        Thread.sleep(5000);
      }
      tenants.stop();
      long bigEnd = starts.bigLastEnd() > 0 ? starts.bigLastEnd() : System.currentTimeMillis();
      if (starts.bigCompleted() < settings.bigJobs()) {
        notes.add(BIG + " did not finish within " + settings.timeout().toMinutes() + " min");
      }
      // every other tenant's run submitted until then must have started
      List<SmallTenants.Accepted> small = tenants.accepted();
      long waitUntil = System.currentTimeMillis() + 60_000;
      while (small.stream().anyMatch(a -> starts.startOf(a.runId()) == null)
          && System.currentTimeMillis() < waitUntil) {
        Thread.sleep(500);
      }
      List<Long> latencies = new ArrayList<>();
      long started = 0;
      for (SmallTenants.Accepted a : small) {
        Long at = starts.startOf(a.runId());
        if (at != null) {
          started++;
          if (a.atMillis() >= burstStart && a.atMillis() <= bigEnd) {
            latencies.add(Math.max(0, at - a.atMillis()));
          }
        }
      }
      latencies.sort(null);
      if (tenants.refused() > 0) {
        notes.add(tenants.refused() + " REST submissions not accepted: " + tenants.refusals());
      }
      // where the time goes: the 202's round trip, and tenants on the big tenant's partition or not
      List<Long> rest = new ArrayList<>();
      List<Long> shared = new ArrayList<>();
      List<Long> apart = new ArrayList<>();
      int bigPartition = Topics.requestPartition(BIG, PARTITIONS);
      for (SmallTenants.Accepted a : small) {
        Long at = starts.startOf(a.runId());
        if (at != null && a.atMillis() >= burstStart && a.atMillis() <= bigEnd) {
          rest.add(a.acceptedMillis() - a.sentMillis());
          (Topics.requestPartition(a.tenant(), PARTITIONS) == bigPartition ? shared : apart)
              .add(Math.max(0, at - a.atMillis()));
        }
      }
      writeRuns(small, starts, burstStart, bigPartition);
      rest.sort(null);
      shared.sort(null);
      apart.sort(null);
      notes.add(
          String.format(
              "202 round trip p50 %d ms, p99 %d ms; dispatch p99 of the tenants on %s's partition "
                  + "%d ms (%d runs), on the others %d ms (%d runs)",
              percentile(rest, 0.5),
              percentile(rest, 0.99),
              BIG,
              percentile(shared, 0.99),
              shared.size(),
              percentile(apart, 0.99),
              apart.size()));
      long p99 = percentile(latencies, 0.99);
      boolean ok =
          starts.bigCompleted() >= settings.bigJobs()
              && started == small.size()
              && !latencies.isEmpty()
              && p99 <= settings.targetP99Millis();
      return new Result(
          settings.bigJobs(),
          starts.bigCompleted(),
          (bigEnd - burstStart) / 1000.0,
          small.size(),
          started,
          latencies.size(),
          percentile(latencies, 0.50),
          percentile(latencies, 0.95),
          p99,
          latencies.isEmpty() ? 0 : latencies.get(latencies.size() - 1),
          notes,
          ok);
    } finally {
      tenants.stop();
    }
  }

  /**
   * Every other tenant's run, one line each, into {@code small-runs.csv} in the data folder: when
   * it was requested and accepted (ms after the burst began), when it started, and whether its
   * tenant shares the big tenant's partition — to see when during the backlog the slow ones waited.
   */
  private void writeRuns(
      List<SmallTenants.Accepted> small, RunStarts starts, long burstStart, int bigPartition)
      throws IOException {
    StringBuilder csv =
        new StringBuilder("run_id,tenant,shares_partition,requested_ms,accepted_ms,started_ms\n");
    for (SmallTenants.Accepted a : small) {
      Long at = starts.startOf(a.runId());
      csv.append(a.runId())
          .append(',')
          .append(a.tenant())
          .append(',')
          .append(Topics.requestPartition(a.tenant(), PARTITIONS) == bigPartition)
          .append(',')
          .append(a.atMillis() - burstStart)
          .append(',')
          .append(a.acceptedMillis() - burstStart)
          .append(',')
          .append(at == null ? "" : Long.toString(at - burstStart))
          .append('\n');
    }
    Files.writeString(dir.resolve("small-runs.csv"), csv);
  }

  private static long percentile(List<Long> sorted, double q) {
    if (sorted.isEmpty()) {
      return 0;
    }
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
  }

  /** The big tenant's backlog, produced as fast as Kafka takes it. */
  private void burst(RunStarts starts) {
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                cluster.bootstrap(),
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.LINGER_MS_CONFIG,
                20,
                ProducerConfig.BATCH_SIZE_CONFIG,
                262_144),
            new StringSerializer(),
            new ByteArraySerializer())) {
      for (int i = 0; i < settings.bigJobs(); i++) {
        String runId = UUID.randomUUID().toString();
        starts.expectBig(runId);
        byte[] value =
            ("{\"run_id\":\"" + runId + "\",\"job_name\":\"noop\",\"tenant_id\":\"" + BIG + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        producer.send(new ProducerRecord<>(Topics.REQUESTS.name(), BIG, value));
      }
      producer.flush();
    }
  }

  @Override
  public void close() {
    cluster.close();
  }
}
