package io.jobline.app.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.topic.Topics;
import io.jobline.wire.EventType;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
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

  /**
   * A run of a small tenant: when its request was sent, when the api took it ({@code requested_at},
   * where dispatch latency starts, as in history and {@code jobline bench}), and when the 202 came
   * back.
   */
  private record Accepted(
      String runId, String tenant, long sentMillis, long atMillis, long acceptedMillis) {}

  private final Path dir;
  private final Settings settings;
  private final Consumer<String> say;
  private final Cluster cluster;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final Queue<Accepted> accepted = new ConcurrentLinkedQueue<>();
  private final AtomicLong refused = new AtomicLong();
  private final Map<String, AtomicLong> refusals = new ConcurrentHashMap<>();

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

    ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor();
    AtomicInteger next = new AtomicInteger();
    String api = cluster.url("api-1");
    double perSecond = settings.smallTenants() * settings.perTenantPerSecond();
    List<String> notes = new ArrayList<>();
    try (Starts starts = new Starts(cluster.bootstrap())) {
      ticks.scheduleAtFixedRate(
          () -> submit(api, "team-" + (next.getAndIncrement() % settings.smallTenants() + 1)),
          0,
          (long) (1_000_000 / perSecond),
          TimeUnit.MICROSECONDS);
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
                + accepted.size()
                + " accepted, "
                + starts.smallStarted()
                + " started");
        Thread.sleep(5000);
      }
      ticks.shutdownNow();
      long bigEnd = starts.bigLastEnd() > 0 ? starts.bigLastEnd() : System.currentTimeMillis();
      if (starts.bigCompleted() < settings.bigJobs()) {
        notes.add(BIG + " did not finish within " + settings.timeout().toMinutes() + " min");
      }
      // every other tenant's run submitted until then must have started
      List<Accepted> small = List.copyOf(accepted);
      long waitUntil = System.currentTimeMillis() + 60_000;
      while (small.stream().anyMatch(a -> starts.startOf(a.runId()) == null)
          && System.currentTimeMillis() < waitUntil) {
        Thread.sleep(500);
      }
      List<Long> latencies = new ArrayList<>();
      long started = 0;
      for (Accepted a : small) {
        Long at = starts.startOf(a.runId());
        if (at != null) {
          started++;
          if (a.atMillis() >= burstStart && a.atMillis() <= bigEnd) {
            latencies.add(Math.max(0, at - a.atMillis()));
          }
        }
      }
      latencies.sort(null);
      if (refused.get() > 0) {
        notes.add(refused.get() + " REST submissions not accepted: " + refusals);
      }
      // where the time goes: the 202's round trip, and tenants on the big tenant's partition or not
      List<Long> rest = new ArrayList<>();
      List<Long> shared = new ArrayList<>();
      List<Long> apart = new ArrayList<>();
      int bigPartition = Topics.requestPartition(BIG, PARTITIONS);
      for (Accepted a : small) {
        Long at = starts.startOf(a.runId());
        if (at != null && a.atMillis() >= burstStart && a.atMillis() <= bigEnd) {
          rest.add(a.acceptedMillis() - a.sentMillis());
          (Topics.requestPartition(a.tenant(), PARTITIONS) == bigPartition ? shared : apart)
              .add(Math.max(0, at - a.atMillis()));
        }
      }
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
      ticks.shutdownNow();
    }
  }

  private static long percentile(List<Long> sorted, double q) {
    if (sorted.isEmpty()) {
      return 0;
    }
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
  }

  /**
   * Reads {@code jobline.events} as history does (committed only): when each run started (its start
   * event, or the start an end carries) and the big tenant's completions.
   */
  private static final class Starts implements AutoCloseable {
    private final Set<String> big = ConcurrentHashMap.newKeySet();
    private final Map<String, Long> startedAt = new ConcurrentHashMap<>();
    private final AtomicLong bigCompleted = new AtomicLong();
    private final AtomicLong bigLastEnd = new AtomicLong();
    private final KafkaConsumer<String, RunEvent> consumer;
    private final Thread thread;
    private volatile boolean running = true;

    Starts(String bootstrap) {
      consumer =
          new KafkaConsumer<>(
              Map.of(
                  ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                  bootstrap,
                  ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                  "read_committed",
                  ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                  5000),
              Topics.EVENTS.keySerde().deserializer(),
              Topics.EVENTS.valueSerde().deserializer());
      List<TopicPartition> partitions =
          consumer.partitionsFor(Topics.EVENTS.name()).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToEnd(partitions);
      partitions.forEach(consumer::position);
      thread = new Thread(this::loop, "noisy-neighbour-events");
      thread.setDaemon(true);
      thread.start();
    }

    void expectBig(String runId) {
      big.add(runId);
    }

    private void loop() {
      try {
        while (running) {
          for (ConsumerRecord<String, RunEvent> r : consumer.poll(Duration.ofMillis(100))) {
            RunEvent e = r.value();
            if (e == null || e.runId() == null) {
              continue;
            }
            String id = e.runId().value();
            if (e.type() == EventType.STARTED) {
              startedAt.putIfAbsent(id, e.timestamp().toEpochMilli());
            } else if (e.type().terminal()) {
              String carried =
                  e.payload() == null ? null : e.payload().path("started").path("at").asText(null);
              if (carried != null) {
                startedAt.putIfAbsent(id, Instant.parse(carried).toEpochMilli());
              }
              if (e.type() == EventType.COMPLETED && big.remove(id)) {
                bigCompleted.incrementAndGet();
                bigLastEnd.accumulateAndGet(e.timestamp().toEpochMilli(), Math::max);
              }
            }
          }
        }
      } catch (WakeupException e) {
        // closing
      } finally {
        consumer.close();
      }
    }

    long bigCompleted() {
      return bigCompleted.get();
    }

    long bigLastEnd() {
      return bigLastEnd.get();
    }

    long smallStarted() {
      return startedAt.size() - bigCompleted.get();
    }

    Long startOf(String runId) {
      return startedAt.get(runId);
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      consumer.wakeup();
      thread.join(5000);
    }
  }

  /** The big tenant's backlog, produced as fast as Kafka takes it. */
  private void burst(Starts starts) {
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

  private void submit(String api, String tenant) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(api + "/jobs/run/noop"))
            .timeout(Duration.ofSeconds(10))
            .header("Authorization", "Bearer " + Load.TOKEN)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"tenant_id\":\"" + tenant + "\"}"))
            .build();
    long at = System.currentTimeMillis();
    http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .whenComplete(
            (r, error) -> {
              // (the tenant rides along to tell tenants sharing the big tenant's partition from the
              // others)
              JsonNode body = error == null && r.statusCode() == 202 ? bodyOf(r.body()) : null;
              if (body != null && body.hasNonNull("run_id") && body.hasNonNull("requested_at")) {
                accepted.add(
                    new Accepted(
                        body.get("run_id").asText(),
                        tenant,
                        at,
                        Instant.parse(body.get("requested_at").asText()).toEpochMilli(),
                        System.currentTimeMillis()));
              } else {
                refused.incrementAndGet();
                String why =
                    error != null
                        ? error.getClass().getSimpleName() + ": " + error.getMessage()
                        : "HTTP " + r.statusCode();
                refusals.computeIfAbsent(why, k -> new AtomicLong()).incrementAndGet();
              }
            });
  }

  private static JsonNode bodyOf(String body) {
    try {
      return Json.mapper().readTree(body);
    } catch (IOException e) {
      return null;
    }
  }

  @Override
  public void close() {
    cluster.close();
  }
}
