package io.jobline.app.chaos;

import io.jobline.wire.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The schedules of a chaos run: creates them through the apis, and says which fires they owe from
 * the first checked minute on.
 */
final class ChaosSchedules {
  private final Cluster cluster;
  private final int count;
  private final Consumer<String> say;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private Instant firstOwedFire;
  private Instant intervalStart;

  ChaosSchedules(Cluster cluster, int count, Consumer<String> say) {
    this.cluster = cluster;
    this.count = count;
    this.say = say;
  }

  /** Half the schedules fire on every minute (cron), half every 60 s from half past (interval). */
  void create() throws Exception {
    Instant now = Instant.now();
    firstOwedFire =
        now.plus(Duration.ofSeconds(70))
            .truncatedTo(ChronoUnit.MINUTES)
            .plus(Duration.ofMinutes(1));
    intervalStart = firstOwedFire.plusSeconds(30);
    for (int i = 0; i < count; i++) {
      boolean cron = i % 2 == 0;
      var body =
          Json.object()
              .put("job_name", "chaos-s-" + i)
              .put("job_type", "chaos-work")
              .put("tenant_id", "tenant-s" + (i % 10))
              .put("timezone", "UTC")
              .put("misfire_grace_seconds", 120);
      body.set("parameters", Json.object().put("ms", 20));
      if (cron) {
        body.put("trigger_type", "cron").put("cron_expression", "* * * * *");
      } else {
        body.put("trigger_type", "interval")
            .put("interval_seconds", 60)
            .put("run_at", intervalStart.toString());
      }
      HttpResponse<String> r =
          post(cluster.url("api-" + (1 + i % 2)) + "/jobs/schedules", body.toString());
      if (r.statusCode() >= 300) {
        throw new IllegalStateException(
            "creating schedule chaos-s-" + i + " answered " + r.statusCode() + ": " + r.body());
      }
    }
    say.accept(count + " schedules created; fires owed from " + firstOwedFire);
  }

  /** The fires the schedules owed from the first checked minute until {@code until}. */
  List<Checker.Fire> owed(long until) {
    List<Checker.Fire> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Instant t = i % 2 == 0 ? firstOwedFire : intervalStart;
      for (; t.toEpochMilli() < until; t = t.plusSeconds(60)) {
        out.add(new Checker.Fire("chaos-s-" + i, t));
      }
    }
    return out;
  }

  private HttpResponse<String> post(String url, String body)
      throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(20))
            .header("Authorization", "Bearer " + Load.TOKEN)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
