package io.jobline.app;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.jobline.schedule.Schedule;
import io.jobline.scheduler.Scheduler;
import io.jobline.store.MongoScheduleStore;
import io.jobline.wire.Json;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jobline bench schedules}: many enabled schedules, a share of them due in the same minute;
 * measures fire lateness (nominal time → request acknowledged on the topic).
 */
@Command(
    name = "schedules",
    mixinStandardHelpOptions = true,
    description = "Measure scheduler fire lateness with many schedules due at once.")
final class BenchSchedulesCommand implements Callable<Integer> {
  @Option(names = "--count", description = "Enabled schedules (default: ${DEFAULT-VALUE}).")
  int count = 100_000;

  @Option(
      names = "--due",
      description = "Of which due in the same minute (default: ${DEFAULT-VALUE}).")
  int due = 10_000;

  @Option(
      names = "--due-every-minute",
      description =
          "The due schedules fire every minute (`* * * * *`) instead of once a day: each fire then"
              + " plans the next a minute on, the case a cron lookup costs most")
  boolean dueEveryMinute;

  @Option(
      names = "--lead-seconds",
      description = "Least time between loading and the due minute (default: ${DEFAULT-VALUE}).")
  int leadSeconds = 45;

  @Option(
      names = "--infra",
      description =
          "Where the broker and store run: `process` (their own JVM, as in a "
              + "deployment, where the scheduler has a process to itself) or `same` (inside the scheduler's JVM, as in "
              + "standalone) (default: ${DEFAULT-VALUE}).")
  String infra = "process";

  @Option(
      names = "--infra-heap",
      description = "Heap of the infra process with --infra process (default: ${DEFAULT-VALUE}).")
  String infraHeap = "2g";

  @Option(
      names = "--stage-ahead-ms",
      description =
          "scheduler.stageAhead: how long before the fire time requests "
              + "are handed to Kafka (default: the configured value).")
  Integer stageAheadMs;

  @Override
  public Integer call() throws Exception {
    if (!infra.equals("process") && !infra.equals("same")) {
      System.err.println("jobline: --infra must be `process` or `same`, not `" + infra + "`");
      return 2;
    }
    try (SchedulerUnderTest target =
            infra.equals("same")
                ? SchedulerUnderTest.standalone(this::tune)
                : SchedulerUnderTest.beside(infraHeap, this::tune);
        MongoClient mongo = MongoClients.create(target.mongoUri())) {
      Scheduler scheduler = target.application().scheduler().orElseThrow();
      ConcurrentLinkedQueue<Long> lateness = new ConcurrentLinkedQueue<>();
      Instant boundary =
          Instant.now()
              .plusSeconds(leadSeconds)
              .truncatedTo(ChronoUnit.MINUTES)
              .plus(Duration.ofMinutes(1));
      scheduler.addFireListener(
          (nominal, acked) -> {
            if (nominal.equals(boundary)) {
              lateness.add(Duration.between(nominal, acked).toMillis());
            }
          });
      MongoScheduleStore store =
          new MongoScheduleStore(mongo.getDatabase(target.config().mongo.database));
      long t0 = System.nanoTime();
      load(store, boundary);
      double loadSeconds = (System.nanoTime() - t0) / 1e9;
      System.err.printf(
          "loaded %d schedules in %.1f s; %d due at %s%n", count, loadSeconds, due, boundary);
      scheduler.poke();
      Instant deadline = boundary.plusSeconds(120);
      while (lateness.size() < due && Instant.now().isBefore(deadline)) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
      }
      long[] sorted = lateness.stream().mapToLong(Long::longValue).sorted().toArray();
      Map<String, Object> report = new LinkedHashMap<>();
      report.put("schedules", count);
      report.put("due_in_same_minute", due);
      report.put("due_cron", dueEveryMinute ? "every minute" : "daily");
      report.put("fired", sorted.length);
      report.put(
          "fire_lateness_ms",
          Map.of(
              "p50",
              BenchReport.pct(sorted, 50),
              "p99",
              BenchReport.pct(sorted, 99),
              "max",
              sorted.length == 0 ? -1 : sorted[sorted.length - 1]));
      report.put("load_seconds", Math.round(loadSeconds * 10) / 10.0);
      report.put("roles", List.of("scheduler"));
      report.put("stage_ahead_ms", target.config().scheduler.stageAhead.toMilliseconds());
      report.put(
          "infra",
          infra.equals("same")
              ? "same JVM as the scheduler"
              : "own process (" + infraHeap + " heap)");
      report.put("store_backend", "memory");
      report.put("scheduler_max_heap_mb", Runtime.getRuntime().maxMemory() >> 20);
      report.put(
          "machine",
          Map.of(
              "cores",
              Runtime.getRuntime().availableProcessors(),
              "java",
              System.getProperty("java.version")));
      System.out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(report));
      return sorted.length == due ? 0 : 1;
    }
  }

  private void tune(JoblineConfiguration config) {
    if (stageAheadMs != null) {
      config.scheduler.stageAhead = io.dropwizard.util.Duration.milliseconds(stageAheadMs);
    }
  }

  private void load(MongoScheduleStore store, Instant boundary) {
    ZonedDateTime at = boundary.atZone(ZoneOffset.UTC);
    String dueCron = dueEveryMinute ? "* * * * *" : at.getMinute() + " " + at.getHour() + " * * *";
    String laterCron = at.getMinute() + " " + (at.getHour() + 6) % 24 + " * * *";
    Instant later = boundary.plus(Duration.ofHours(6));
    List<Schedule> batch = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      boolean isDue = i < due;
      String json =
          "{\"job_name\":\"bench-"
              + i
              + "\",\"job_type\":\"noop\",\"cron_expression\":\""
              + (isDue ? dueCron : laterCron)
              + "\",\"timezone\":\"UTC\",\"tenant_id\":\"tenant-"
              + (i % 100)
              + "\",\"overlap\":\"allow\",\"next_run_at\":\""
              + (isDue ? boundary : later)
              + "\"}";
      try {
        batch.add(Json.mapper().readValue(json, Schedule.class));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      if (batch.size() == 5000) {
        store.insertAll(batch);
        batch.clear();
      }
    }
    if (!batch.isEmpty()) {
      store.insertAll(batch);
    }
  }
}
