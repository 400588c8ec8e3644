package io.jobline.app.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobline.topic.Topics;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import io.jobline.wire.Trigger;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The steady load of a chaos run: run requests over REST (through either api; a client whose api
 * fails retries on the other with the same idempotency key) and straight to the requests topic,
 * from several tenants, each job working 0–5 s; chain runs now and then. Every run the system
 * acknowledged (a 202, or a record Kafka acknowledged) is remembered with the time it was accepted.
 */
final class Load implements AutoCloseable {
  static final String TOKEN = "chaos-admin-token";

  /** A run the system acknowledged. */
  record Accepted(String runId, long atMillis, String via) {}

  /** A chain run the system acknowledged. */
  record ChainAccepted(String chainRunId, long atMillis) {}

  private final Supplier<List<String>> apis;
  private final String bootstrap;
  private final double restPerSecond;
  private final double topicPerSecond;
  private final int tenants;
  private final Random random;
  private final Queue<Accepted> accepted = new ConcurrentLinkedQueue<>();
  private final Queue<ChainAccepted> chains = new ConcurrentLinkedQueue<>();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong retriedOnOtherApi = new AtomicLong();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final ScheduledExecutorService ticks = Executors.newScheduledThreadPool(2);
  private final ExecutorService clients = Executors.newFixedThreadPool(16);
  private KafkaProducer<String, byte[]> producer;
  private volatile boolean running = true;

  Load(
      Supplier<List<String>> apis,
      String bootstrap,
      double restPerSecond,
      double topicPerSecond,
      int tenants,
      long seed) {
    this.apis = apis;
    this.bootstrap = bootstrap;
    this.restPerSecond = restPerSecond;
    this.topicPerSecond = topicPerSecond;
    this.tenants = tenants;
    this.random = new Random(seed);
  }

  void start() {
    producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                true,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                120_000,
                ProducerConfig.LINGER_MS_CONFIG,
                5),
            new StringSerializer(),
            new ByteArraySerializer());
    if (restPerSecond > 0) {
      ticks.scheduleAtFixedRate(
          () -> clients.execute(this::submitOverRest),
          0,
          (long) (1_000_000 / restPerSecond),
          TimeUnit.MICROSECONDS);
    }
    if (topicPerSecond > 0) {
      ticks.scheduleAtFixedRate(
          this::submitToTopic, 0, (long) (1_000_000 / topicPerSecond), TimeUnit.MICROSECONDS);
    }
    ticks.scheduleAtFixedRate(() -> clients.execute(this::runChain), 2, 20, TimeUnit.SECONDS);
  }

  List<Accepted> accepted() {
    return List.copyOf(accepted);
  }

  List<ChainAccepted> chains() {
    return List.copyOf(chains);
  }

  long refused() {
    return refused.get();
  }

  long retriedOnOtherApi() {
    return retriedOnOtherApi.get();
  }

  private synchronized long workMillis() {
    // most jobs are quick; one in five works up to 5 s
    return random.nextInt(5) == 0 ? random.nextInt(5001) : random.nextInt(200);
  }

  private synchronized String tenant() {
    return "tenant-" + random.nextInt(tenants);
  }

  private void submitOverRest() {
    if (!running) {
      return;
    }
    String key = UUID.randomUUID().toString();
    String body =
        Json.object()
            .put("tenant_id", tenant())
            .set("params", Json.object().put("ms", workMillis()))
            .toString();
    List<String> urls = apis.get();
    int first = Math.floorMod(key.hashCode(), urls.size());
    long until = System.currentTimeMillis() + 60_000;
    for (int attempt = 0; running && System.currentTimeMillis() < until; attempt++) {
      String url = urls.get((first + attempt) % urls.size());
      if (attempt > 0) {
        retriedOnOtherApi.incrementAndGet();
      }
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create(url + "/jobs/run/chaos-work"))
                    .timeout(Duration.ofSeconds(10))
                    .header("Authorization", "Bearer " + TOKEN)
                    .header("Content-Type", "application/json")
                    .header("Idempotency-Key", key)
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 202) {
          JsonNode reply = Json.mapper().readTree(r.body());
          accepted.add(
              new Accepted(reply.path("run_id").asText(), System.currentTimeMillis(), "rest"));
          return;
        }
        // a 4xx is an answer, not a promise: nothing to retry, but "slow down" (429) and "the same
        // key is being answered" (409: an earlier attempt still sending on that api)
        if (r.statusCode() < 500 && r.statusCode() != 429 && r.statusCode() != 409) {
          refused.incrementAndGet();
          return;
        }
      } catch (IOException e) {
        // the api is gone or did not answer in time: the same key on the other one
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      pause(attempt);
    }
    refused.incrementAndGet();
  }

  private void submitToTopic() {
    if (!running) {
      return;
    }
    RunId id = RunId.random(Clock.systemUTC());
    String tenant = tenant();
    JobRequest request =
        JobRequest.of(
            id,
            "chaos-work",
            Json.object().put("ms", workMillis()),
            tenant,
            null,
            null,
            Trigger.topic(),
            Instant.now(),
            "chaos");
    byte[] value =
        Topics.REQUESTS.valueSerde().serializer().serialize(Topics.REQUESTS.name(), request);
    producer.send(
        new ProducerRecord<>(Topics.REQUESTS.name(), tenant, value),
        (meta, error) -> {
          if (error == null) {
            accepted.add(new Accepted(id.value(), System.currentTimeMillis(), "topic"));
          } else {
            refused.incrementAndGet();
          }
        });
  }

  private void runChain() {
    if (!running) {
      return;
    }
    List<String> urls = apis.get();
    String url = urls.get((int) (System.nanoTime() % urls.size()));
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(url + "/jobs/chains/month-end/run"))
                  .timeout(Duration.ofSeconds(10))
                  .header("Authorization", "Bearer " + TOKEN)
                  .header("Content-Type", "application/json")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"tenant_id\":\""
                              + tenant()
                              + "\",\"params\":{\"period\":\"2026-11\"}}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 202) {
        chains.add(
            new ChainAccepted(
                Json.mapper().readTree(r.body()).path("chain_run_id").asText(),
                System.currentTimeMillis()));
      }
    } catch (IOException e) {
      // a chain run that was not acknowledged is not a promise
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Sends {@code count} bad records (not JSON, unknown job, bad params, huge) mixed with good ones.
   */
  int poison(int count) {
    int bad = 0;
    for (int i = 0; i < count; i++) {
      String tenant = tenant();
      // one in a hundred is huge (over the executor's 128 KiB): enough to prove the rule without
      // moving gigabytes
      byte[] value =
          switch (i % 100 == 99 ? 3 : i % 3) {
            case 0 -> ("not json " + i).getBytes(StandardCharsets.UTF_8);
            case 1 ->
                Json.object()
                    .put("run_id", "poison-" + i)
                    .put("job_name", "no-such-job")
                    .put("tenant_id", tenant)
                    .toString()
                    .getBytes(StandardCharsets.UTF_8);
            case 2 ->
                Json.object()
                    .put("run_id", "poison-" + i)
                    .put("job_name", "chaos-work")
                    .put("tenant_id", tenant)
                    .set("params", Json.object().put("ms", "soon"))
                    .toString()
                    .getBytes(StandardCharsets.UTF_8);
            default ->
                Json.object()
                    .put("run_id", "poison-" + i)
                    .put("job_name", "chaos-work")
                    .put("tenant_id", tenant)
                    .set("params", Json.object().put("pad", "x".repeat(200_000)))
                    .toString()
                    .getBytes(StandardCharsets.UTF_8);
          };
      producer.send(new ProducerRecord<>(Topics.REQUESTS.name(), tenant, value));
      bad++;
      if (i % 10 == 0) {
        submitToTopic();
      }
    }
    producer.flush();
    return bad;
  }

  private static void pause(int attempt) {
    try {
      Thread.sleep(Math.min(2000, 200L * (attempt + 1)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops submitting; what was sent is flushed. */
  void stop() {
    running = false;
    ticks.shutdownNow();
    clients.shutdown();
    try {
      clients.awaitTermination(70, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (producer != null) {
      producer.flush();
    }
  }

  @Override
  public void close() {
    stop();
    if (producer != null) {
      producer.close(Duration.ofSeconds(10));
    }
  }
}
