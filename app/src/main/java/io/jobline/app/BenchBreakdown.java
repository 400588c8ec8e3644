package io.jobline.app;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * Where the time of {@code jobline bench} went: taken before the measured runs and again after, the
 * CPU time of this JVM's threads by what they serve, the Kafka records produced per run by topic
 * (and the offsets taken, transaction markers included), the store's writes per run and the GC
 * pauses.
 */
final class BenchBreakdown {
  private final Map<String, Long> offsetsBefore;
  private final Map<String, Long> producedBefore;
  private final long writesBefore;
  private final long commandsBefore;
  private final Map<String, Long> cpuBefore;
  private final long gcBefore;

  private BenchBreakdown(
      Map<String, Long> offsetsBefore,
      Map<String, Long> producedBefore,
      long writesBefore,
      long commandsBefore,
      Map<String, Long> cpuBefore,
      long gcBefore) {
    this.offsetsBefore = offsetsBefore;
    this.producedBefore = producedBefore;
    this.writesBefore = writesBefore;
    this.commandsBefore = commandsBefore;
    this.cpuBefore = cpuBefore;
    this.gcBefore = gcBefore;
  }

  /** The figures before the measured runs. */
  static BenchBreakdown before(Admin admin, StoreWrites storeWrites) throws Exception {
    Map<String, Long> offsets = endOffsets(admin);
    Map<String, Long> produced = producedByTopic();
    long writes = storeWrites.documents();
    long commands = storeWrites.commands();
    Map<String, Long> cpu = cpuByGroup();
    long gc = gcMillis();
    return new BenchBreakdown(offsets, produced, writes, commands, cpu, gc);
  }

  /** The breakdown of the {@code jobs} measured runs, from the figures now. */
  Map<String, Object> after(Admin admin, StoreWrites storeWrites, int jobs) throws Exception {
    Map<String, Long> cpuAfter = cpuByGroup();
    long gcAfter = gcMillis();
    Map<String, Long> offsetsAfter = endOffsets(admin);
    Map<String, Long> producedAfter = producedByTopic();
    long writes = storeWrites.documents() - writesBefore;
    long commands = storeWrites.commands() - commandsBefore;

    Map<String, Object> breakdown = new LinkedHashMap<>();
    Map<String, Object> cpu = new LinkedHashMap<>();
    cpuAfter.forEach(
        (group, nanos) ->
            cpu.put(group, BenchReport.round((nanos - cpuBefore.getOrDefault(group, 0L)) / 1e9)));
    breakdown.put("cpu_seconds_by_thread_group", cpu);
    Map<String, Object> records = new LinkedHashMap<>();
    double recordsPerRun = perRun(producedBefore, producedAfter, jobs, records);
    Map<String, Object> offsets = new LinkedHashMap<>();
    double offsetsPerRun = perRun(offsetsBefore, offsetsAfter, jobs, offsets);
    breakdown.put("kafka_records_per_run_by_topic", records);
    breakdown.put("kafka_records_per_run", BenchReport.round2(recordsPerRun));
    breakdown.put("kafka_offsets_per_run_by_topic", offsets);
    breakdown.put("kafka_offsets_per_run", BenchReport.round2(offsetsPerRun));
    breakdown.put("store_documents_written_per_run", BenchReport.round2(writes / (double) jobs));
    breakdown.put("store_write_commands_per_run", BenchReport.round2(commands / (double) jobs));
    breakdown.put("gc_pause_ms", gcAfter - gcBefore);
    return breakdown;
  }

  /**
   * Puts into {@code out} how many of {@code after} less {@code before} there were per run, by
   * topic (topics with none left out), and returns their sum.
   */
  private static double perRun(
      Map<String, Long> before, Map<String, Long> after, int jobs, Map<String, Object> out) {
    double total = 0;
    for (Map.Entry<String, Long> e : after.entrySet()) {
      double perRun = (e.getValue() - before.getOrDefault(e.getKey(), 0L)) / (double) jobs;
      if (perRun > 0) {
        out.put(e.getKey(), BenchReport.round2(perRun));
        total += perRun;
      }
    }
    return total;
  }

  /**
   * The records this JVM's Kafka producers have sent so far, by topic: each producer's {@code
   * record-send-total} (its {@code producer-topic-metrics} over JMX), summed. Transaction markers
   * are not among them: the brokers write those, one to each partition a transaction touched, when
   * it commits or aborts. A batch sent again after an error counts again; a producer closed since
   * takes its count with it.
   */
  static Map<String, Long> producedByTopic() {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    Map<String, Long> out = new TreeMap<>();
    ObjectName pattern;
    try {
      pattern = new ObjectName("kafka.producer:type=producer-topic-metrics,*");
    } catch (MalformedObjectNameException e) {
      throw new IllegalStateException(e);
    }
    for (ObjectName name : server.queryNames(pattern, null)) {
      String topic = name.getKeyProperty("topic");
      if (topic == null) {
        continue;
      }
      if (topic.startsWith("\"")) {
        topic = ObjectName.unquote(topic);
      }
      try {
        if (server.getAttribute(name, "record-send-total") instanceof Number n) {
          out.merge(topic, (long) n.doubleValue(), Long::sum);
        }
      } catch (InstanceNotFoundException e) {
        // a producer closed while this read: its count goes with it
      } catch (JMException e) {
        throw new IllegalStateException("could not read the Kafka producer metrics " + name, e);
      }
    }
    return out;
  }

  /** End offsets of every topic (transaction markers included: each takes an offset). */
  private static Map<String, Long> endOffsets(Admin admin) throws Exception {
    Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
    Set<String> names =
        admin
            .listTopics(new ListTopicsOptions().listInternal(false))
            .names()
            .get(30, TimeUnit.SECONDS);
    admin
        .describeTopics(names)
        .allTopicNames()
        .get(30, TimeUnit.SECONDS)
        .values()
        .forEach(
            d ->
                d.partitions()
                    .forEach(
                        p ->
                            specs.put(
                                new TopicPartition(d.name(), p.partition()), OffsetSpec.latest())));
    Map<String, Long> out = new TreeMap<>();
    admin
        .listOffsets(specs)
        .all()
        .get(30, TimeUnit.SECONDS)
        .forEach((tp, info) -> out.merge(tp.topic(), info.offset(), Long::sum));
    return out;
  }

  /** CPU time of this JVM's threads so far, by what they serve (named from the thread names). */
  private static Map<String, Long> cpuByGroup() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Map<String, Long> out = new TreeMap<>();
    for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info == null) {
        continue;
      }
      long cpu = threads.getThreadCpuTime(info.getThreadId());
      if (cpu > 0) {
        out.merge(group(info.getThreadName()), cpu, Long::sum);
      }
    }
    return out;
  }

  private static String group(String thread) {
    String t = thread.toLowerCase(Locale.ROOT);
    if (t.startsWith("jobline-run")
        || t.startsWith("jobline-executor")
        || t.startsWith("jobline-watchdog")
        || t.contains("jobline-executor-events")
        || t.startsWith("kafka-producer-network-thread | jobline-executor")) {
      return "executor";
    }
    if (t.contains("jobline-history") || t.contains("streamthread")) {
      return "history";
    }
    if (t.startsWith("jobline-scheduler") || t.contains("chains")) {
      return "scheduler";
    }
    if (t.startsWith("dw-") || t.contains("jobline-api")) {
      return "api";
    }
    if (t.contains("bench") || t.equals("main")) {
      return "bench";
    }
    if (t.contains("nioeventloop") || t.contains("mongo") || t.contains("h2")) {
      return "store";
    }
    if (t.startsWith("kafka-producer-network-thread")
        || t.startsWith("kafka-coordinator")
        || t.contains("consumer")
        || t.contains("admin")) {
      return "kafka-clients";
    }
    if (t.contains("kafka")
        || t.contains("raft")
        || t.contains("broker")
        || t.contains("controller")
        || t.contains("reaper")
        || t.contains("data-plane")
        || t.contains("log")
        || t.contains("replica")
        || t.contains("group-coordinator")
        || t.contains("transaction")
        || t.contains("quorum")) {
      return "broker";
    }
    if (t.contains("gc") || t.contains("g1") || t.contains("compiler") || t.contains("vm ")) {
      return "jvm";
    }
    return "other";
  }

  private static long gcMillis() {
    long total = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      total += Math.max(0, gc.getCollectionTime());
    }
    return total;
  }

  /** The most memory this process has held (its peak resident set), in MiB; -1 if unknown. */
  static long peakRssMb() {
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
