package io.jobline.app;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.store.RunStore;
import io.jobline.topic.RequestProducer;
import io.jobline.topic.Topics;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The load phase of {@code jobline bench}: no-op run requests put straight on {@code
 * jobline.requests} (after a warm-up, at the offered rate), waited for until they completed and
 * until history shows every one of them.
 */
final class BenchLoad {
  /** The measured requests: their run ids, a request's size, and when the first was sent. */
  record Submitted(List<String> ids, int recordBytes, Instant firstSubmit) {}

  private final RequestProducer producer;
  private final BenchCompletions completions;
  private final int jobs;
  private final int tenants;
  private final int payloadBytes;
  private final int rate;

  /**
   * How far ahead of its time a request may go at an offered rate: the bench waits only when the
   * next one is due later than this, and then sends every one due by then. Waiting for each request
   * (every 400 µs at 2,500 a second) cost the bench's thread 5 CPU seconds in a 20-second run, in
   * the kernel where a profiler of Java code does not see it, on the two cores it measures; the
   * requests leave in batches of the producer's 5 ms linger anyway.
   */
  static final long PACE_NANOS = 2_000_000;

  private final int timeoutSeconds;

  /**
   * @param rate jobs a second; 0 submits as fast as possible
   */
  BenchLoad(
      RequestProducer producer,
      BenchCompletions completions,
      int jobs,
      int tenants,
      int payloadBytes,
      int rate,
      int timeoutSeconds) {
    this.producer = producer;
    this.completions = completions;
    this.jobs = jobs;
    this.tenants = tenants;
    this.payloadBytes = payloadBytes;
    this.rate = rate;
    this.timeoutSeconds = timeoutSeconds;
  }

  /** Runs {@code count} no-op jobs first, unmeasured (JIT compilation, caches, connections). */
  void warmUp(int count) {
    for (int i = 0; i < count; i++) {
      JobRequest probe =
          JobRequest.manual(
              RunId.random(Clock.systemUTC()),
              "noop",
              Json.object(),
              "warm-up-" + (i % tenants),
              Instant.now(),
              "bench");
      completions.expect(probe.runId().value());
      producer.send(probe);
    }
    completions.await(count, timeoutSeconds);
  }

  /**
   * Waits until history has written every run before {@code fences} too: the measured runs must not
   * share history with the warm-up's backlog.
   */
  void awaitHistory(RunStore runs, List<String> fences) {
    Instant deadline = Instant.now().plusSeconds(timeoutSeconds);
    while (runs.ended(fences).size() < fences.size()) {
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException(
            "history did not show the bench's last runs within " + timeoutSeconds + " s");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
  }

  /** Sends the measured requests, and waits until Kafka took them and their runs completed. */
  Submitted submit() throws Exception {
    String padding = "x".repeat(payloadBytes);
    List<String> ids = new ArrayList<>(jobs);
    long start = System.nanoTime();
    Instant firstSubmit = Instant.now();
    List<CompletableFuture<?>> acks = new ArrayList<>();
    int recordBytes = 0;
    for (int i = 0; i < jobs; i++) {
      if (rate > 0) {
        long wait = start + (long) (i * 1e9 / rate) - System.nanoTime();
        if (wait > PACE_NANOS) {
          LockSupport.parkNanos(wait);
        }
      }
      ObjectNode params = Json.object().put("pad", padding);
      JobRequest request =
          JobRequest.manual(
              RunId.random(Clock.systemUTC()),
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
    return new Submitted(ids, recordBytes, firstSubmit);
  }

  /**
   * One more no-op run on every partition of {@code jobline.requests}, after all the others:
   * history folds each partition in order, so once these are visible the runs before them are too,
   * and the bench need not look for twenty thousand runs while history is still writing them.
   */
  List<String> fences(Standalone standalone) throws Exception {
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
                RunId.random(Clock.systemUTC()),
                "noop",
                Json.object(),
                "fence-" + p,
                Instant.now(),
                "bench");
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
   * (a few lookups by id), then every run, in one read of the run collection a round.
   */
  Instant awaitVisible(RunStore runs, List<String> ids, List<String> fences) {
    Instant deadline = Instant.now().plusSeconds(timeoutSeconds);
    awaitHistory(runs, fences);
    // one read of the run collection a round: on the Mongo-wire test store a lookup of many ids
    // is a scan of the collection anyway, and twenty of them (one per thousand ids) were most of
    // the store's CPU in the breakdown, taken after this
    Set<String> wanted = new HashSet<>(ids);
    while (true) {
      List<RunStore.RunTiming> visible =
          runs.timings().stream()
              .filter(
                  t ->
                      wanted.contains(t.runId())
                          && t.completedAt() != null
                          && t.visibleAt() != null)
              .toList();
      if (visible.size() == wanted.size()) {
        return visible.stream()
            .map(RunStore.RunTiming::visibleAt)
            .max(Instant::compareTo)
            .orElseThrow();
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException(
            (wanted.size() - visible.size())
                + " runs completed but never became visible in history");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
    }
  }
}
