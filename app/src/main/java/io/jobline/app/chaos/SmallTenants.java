package io.jobline.app.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobline.wire.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The small tenants of the noisy-neighbour scenario: they take turns submitting a no-op run over
 * REST at a steady rate, and every run the api accepted is remembered with its times; what the api
 * did not accept is counted by reason.
 */
final class SmallTenants {
  /**
   * A run of a small tenant: when its request was sent, when the api took it ({@code requested_at},
   * where dispatch latency starts, as in history and {@code jobline bench}), and when the 202 came
   * back.
   */
  record Accepted(
      String runId, String tenant, long sentMillis, long atMillis, long acceptedMillis) {}

  private final String api;
  private final int tenants;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor();
  private final AtomicInteger next = new AtomicInteger();
  private final Queue<Accepted> accepted = new ConcurrentLinkedQueue<>();
  private final AtomicLong refused = new AtomicLong();
  private final Map<String, AtomicLong> refusals = new ConcurrentHashMap<>();

  SmallTenants(String api, int tenants) {
    this.api = api;
    this.tenants = tenants;
  }

  /** Submits {@code perSecond} runs a second in all, from each tenant in turn, until stopped. */
  void start(double perSecond) {
    ticks.scheduleAtFixedRate(
        () -> submit("team-" + (next.getAndIncrement() % tenants + 1)),
        0,
        (long) (1_000_000 / perSecond),
        TimeUnit.MICROSECONDS);
  }

  void stop() {
    ticks.shutdownNow();
  }

  int acceptedCount() {
    return accepted.size();
  }

  /** The runs accepted so far. */
  List<Accepted> accepted() {
    return List.copyOf(accepted);
  }

  long refused() {
    return refused.get();
  }

  /** The submissions not accepted, by reason. */
  Map<String, AtomicLong> refusals() {
    return refusals;
  }

  private void submit(String tenant) {
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
}
