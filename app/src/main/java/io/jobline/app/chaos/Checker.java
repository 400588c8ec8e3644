package io.jobline.app.chaos;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import io.jobline.topic.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.bson.Document;

/**
 * Reads what happened from the outside — the run history in the store, the executions the job
 * bodies recorded, the dead-letter topic — and counts, per fault window, what the promises forbid.
 */
final class Checker {
  static final Set<String> TERMINAL =
      Set.of("completed", "failed", "cancelled", "timed_out", "missed");

  /** One execution of a job body, from its start line to its end line (null while none). */
  record Execution(
      String runId,
      int attempt,
      long epoch,
      String executor,
      long start,
      Long end,
      String outcome) {}

  /** One fire a schedule owed: its schedule and nominal time. */
  record Fire(String schedule, Instant nominal) {}

  private final String mongoUri;
  private final String bootstrap;
  private final Path executionsDir;

  Checker(String mongoUri, String bootstrap, Path executionsDir) {
    this.mongoUri = mongoUri;
    this.bootstrap = bootstrap;
    this.executionsDir = executionsDir;
  }

  /**
   * The status of each run in the history (runs it does not hold are absent): one pass over the
   * runs.
   */
  Map<String, String> statuses(List<String> runIds) {
    Set<String> wanted = new HashSet<>(runIds);
    Map<String, String> out = new HashMap<>();
    try (MongoClient client = MongoClients.create(mongoUri)) {
      for (Document d :
          client
              .getDatabase("jobline")
              .getCollection("job_runs")
              .find()
              .projection(Projections.include("status"))
              .batchSize(500)) {
        String id = d.getString("_id");
        if (wanted.contains(id)) {
          out.put(id, d.getString("status"));
        }
      }
    }
    return out;
  }

  /** True for a status that is an end (null, a run the history does not hold, is not). */
  static boolean ended(String status) {
    return status != null && TERMINAL.contains(status);
  }

  /** How many of the runs have not reached an end in the history. */
  long unfinished(List<String> runIds) {
    Map<String, String> statuses = statuses(runIds);
    return runIds.stream().filter(id -> !ended(statuses.get(id))).count();
  }

  /** Chain runs that have not ended. */
  List<String> unfinishedChains(List<String> chainRunIds) {
    Set<String> ended = new HashSet<>();
    try (MongoClient client = MongoClients.create(mongoUri)) {
      for (Document d :
          client
              .getDatabase("jobline")
              .getCollection("job_chain_runs")
              .find(Filters.in("_id", chainRunIds))) {
        String status = d.getString("status");
        if (status != null && Set.of("completed", "failed", "cancelled").contains(status)) {
          ended.add(d.getString("_id"));
        }
      }
    }
    return chainRunIds.stream().filter(id -> !ended.contains(id)).toList();
  }

  /** Every execution the job bodies recorded, in all executor processes. */
  List<Execution> executions() throws IOException {
    Map<String, Execution> open = new HashMap<>();
    List<Execution> out = new ArrayList<>();
    if (!Files.isDirectory(executionsDir)) {
      return out;
    }
    try (Stream<Path> files = Files.list(executionsDir)) {
      for (Path file : files.toList()) {
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
          String[] f = line.split(" ");
          if (f.length < 6) {
            continue; // a line cut by a kill
          }
          String key = f[1] + "/" + f[2] + "/" + f[3] + "/" + f[4];
          if (f[0].equals("start")) {
            Execution previous =
                open.put(
                    key,
                    new Execution(
                        f[1],
                        Integer.parseInt(f[2]),
                        Long.parseLong(f[3]),
                        f[4],
                        Long.parseLong(f[5]),
                        null,
                        null));
            if (previous != null) {
              out.add(previous); // the same executor ran it again after a restart: the first never
              // ended
            }
          } else if (f[0].equals("end")) {
            Execution started = open.remove(key);
            if (started != null) {
              out.add(
                  new Execution(
                      started.runId(),
                      started.attempt(),
                      started.epoch(),
                      started.executor(),
                      started.start(),
                      Long.parseLong(f[5]),
                      f.length > 6 ? f[6] : "done"));
            }
          }
        }
      }
    }
    out.addAll(open.values());
    return out;
  }

  /**
   * Executions of one run id and attempt that overlapped while both could have been doing the work:
   * the later one started before the earlier one ended, and the earlier one did not stop on being
   * fenced. The end of an execution whose process was killed is the kill ({@code deaths}, times per
   * executor). Each is counted at the later execution's start.
   */
  static List<Long> doubleExecutions(List<Execution> all, Map<String, List<Long>> deaths) {
    Map<String, List<Execution>> byRun = new HashMap<>();
    for (Execution e : all) {
      byRun.computeIfAbsent(e.runId() + "#" + e.attempt(), k -> new ArrayList<>()).add(e);
    }
    List<Long> out = new ArrayList<>();
    for (List<Execution> runs : byRun.values()) {
      runs.sort(Comparator.comparingLong(Execution::start));
      for (int i = 1; i < runs.size(); i++) {
        Execution later = runs.get(i);
        for (int j = 0; j < i; j++) {
          Execution earlier = runs.get(j);
          if ("stopped".equals(earlier.outcome())) {
            continue; // a fenced execution that noticed and stopped
          }
          long end = endOf(earlier, deaths);
          if (later.start() < end) {
            out.add(later.start());
            break;
          }
        }
      }
    }
    return out;
  }

  /**
   * Run ids whose body did its work to the end more than once (one after the other, or at once).
   */
  static Map<String, Long> doneMoreThanOnce(List<Execution> all) {
    Map<String, Long> count = new HashMap<>();
    Map<String, Long> firstAt = new HashMap<>();
    for (Execution e : all) {
      if ("done".equals(e.outcome())) {
        String key = e.runId() + "#" + e.attempt();
        count.merge(key, 1L, Long::sum);
        firstAt.merge(key, e.start(), Math::max);
      }
    }
    Map<String, Long> out = new HashMap<>();
    count.forEach(
        (k, n) -> {
          if (n > 1) {
            out.put(k.substring(0, k.indexOf('#')), firstAt.get(k));
          }
        });
    return out;
  }

  private static long endOf(Execution e, Map<String, List<Long>> deaths) {
    long end = e.end() != null ? e.end() : Long.MAX_VALUE;
    for (long death : deaths.getOrDefault(e.executor(), List.of())) {
      if (death >= e.start() && death < end) {
        end = death;
      }
    }
    return end;
  }

  /** The runs each owed fire produced: (schedule, nominal) → run ids with their statuses. */
  Map<Fire, List<String>> fires(String schedulePrefix) {
    Map<Fire, List<String>> out = new HashMap<>();
    try (MongoClient client = MongoClients.create(mongoUri)) {
      for (Document d :
          client
              .getDatabase("jobline")
              .getCollection("job_runs")
              .find(Filters.regex("trigger.schedule", "^" + schedulePrefix))) {
        Document trigger = d.get("trigger", Document.class);
        Object nominal = trigger.get("nominal_time");
        if (nominal == null) {
          continue;
        }
        Instant at =
            nominal instanceof Date date ? date.toInstant() : Instant.parse(nominal.toString());
        out.computeIfAbsent(new Fire(trigger.getString("schedule"), at), k -> new ArrayList<>())
            .add(d.getString("_id") + ":" + d.getString("status"));
      }
    }
    return out;
  }

  /** Records on the requests' dead-letter topic, and how many of them carry a reason. */
  long[] deadLetters(Duration timeout) {
    Map<String, Object> props =
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrap,
            ConsumerConfig.GROUP_ID_CONFIG,
            "chaos-checker-" + System.nanoTime(),
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
            "earliest",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
            false,
            ConsumerConfig.ISOLATION_LEVEL_CONFIG,
            "read_committed");
    long records = 0;
    long withReason = 0;
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(Topics.REQUESTS_DLQ.name()).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      long until = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < until
          && partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          records++;
          var reason = r.headers().lastHeader(Topics.DLQ_REASON_HEADER);
          if (reason != null && reason.value().length > 0) {
            withReason++;
          }
        }
      }
    }
    return new long[] {records, withReason};
  }
}
