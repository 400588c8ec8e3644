package io.jobline.history;

import io.dropwizard.lifecycle.Managed;
import io.jobline.topic.KafkaSettings;
import io.jobline.topic.Topics;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The history role: runs the history topology as a Kafka Streams app with exactly-once v2. */
public final class History implements Managed {
  private static final Logger LOG = LoggerFactory.getLogger(History.class);
  private final KafkaSettings kafka;
  private final HistorySettings settings;
  private final HistoryTopology.Sinks sinks;
  private final short replication;
  private final HistoryMetrics metrics = new HistoryMetrics();

  /** Set when {@link #stop} begins: the tasks' last commits write all they kept. */
  private final AtomicBoolean stopping = new AtomicBoolean();

  private final Clock clock;
  private final Deque<Instant> failures = new ArrayDeque<>();
  private volatile String lastFailure;
  private KafkaStreams streams;

  public History(
      KafkaSettings kafka,
      HistorySettings settings,
      HistoryTopology.Sinks sinks,
      short replication,
      Clock clock) {
    this.kafka = kafka;
    this.settings = settings;
    this.sinks = sinks;
    this.replication = replication;
    this.clock = clock;
  }

  @Override
  public void start() {
    Properties props = new Properties();
    props.putAll(kafka.clientProperties());
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, settings.applicationId);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, settings.streamThreads);
    UnreadableRecords.configure(props);
    // the processors ask for a commit every commitInterval while history is caught up
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, settings.streamsCommitIntervalMs());
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) replication);
    props.put(
        StreamsConfig.STATE_DIR_CONFIG,
        settings.stateDir != null
            ? settings.stateDir
            : Path.of(System.getProperty("java.io.tmpdir"), "jobline-streams").toString());
    props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
    props.put(
        StreamsConfig.consumerPrefix("session.timeout.ms"),
        (int) settings.sessionTimeout.toMilliseconds());
    props.put(
        StreamsConfig.consumerPrefix("heartbeat.interval.ms"),
        (int) Math.max(500, settings.sessionTimeout.toMilliseconds() / 4));
    props.put(StreamsConfig.producerPrefix("linger.ms"), 5);
    // fetches carry up to 64 KiB or 50 ms of records rather than one small batch each: at a steady
    // few hundred runs a second, one fetch per produced batch cost the broker more CPU than the
    // runs did (bench --rate 600: broker CPU −25%, history lag p50 6.8 s → 1.4 s with the
    // executor's and the request producer's batching)
    props.put(StreamsConfig.consumerPrefix("fetch.min.bytes"), 64 * 1024);
    props.put(StreamsConfig.consumerPrefix("fetch.max.wait.ms"), 50);
    props.put("processing.exception.handler.global.enabled", true);
    boundMemoryAndOrder(props, settings);
    Map<String, Integer> partitions =
        partitions(kafka, Topics.REQUESTS.name(), Topics.EVENTS.name());
    streams =
        new KafkaStreams(
            HistoryTopology.build(
                settings,
                sinks,
                metrics,
                partitions.get(Topics.REQUESTS.name()),
                partitions.get(Topics.EVENTS.name()),
                true,
                stopping::get,
                null),
            props,
            new CommitTimingClients(settings.commitInterval.toMilliseconds(), clock));
    streams.setUncaughtExceptionHandler(
        e -> {
          LOG.error(
              "History stream thread failed; replacing it and reprocessing from the last commit",
              e);
          synchronized (failures) {
            failures.addLast(clock.instant());
            lastFailure = String.valueOf(rootCause(e));
          }
          return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
    streams.start();
  }

  /**
   * The settings history and its rebuild share: the memory their state stores and read-ahead take,
   * and how long a task waits for requests before it folds events.
   */
  static void boundMemoryAndOrder(Properties props, HistorySettings settings) {
    // every state store of the process within one memory budget outside the heap
    props.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, StateStoreMemory.class);
    props.put(StateStoreMemory.BYTES_CONFIG, settings.stateStoreMemory.toBytes());
    // a task whose requests look caught up waits this long for more before it folds the events it
    // has: the lag it goes by is that of its last fetch, and without the wait a burst's ends were
    // folded before their requests (written twice: once from the end, once with the request)
    props.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, settings.maxTaskIdle.toMilliseconds());
    // what Streams reads ahead is on the heap too: bounded by records, so by their sizes
    props.put(
        StreamsConfig.BUFFERED_RECORDS_PER_PARTITION_CONFIG, settings.bufferedRecordsPerPartition);
  }

  /** How many partitions a topic has, as the cluster says (it may differ from the config). */
  static int partitions(KafkaSettings kafka, String topic) {
    return partitions(kafka, new String[] {topic}).get(topic);
  }

  /** How many partitions each topic has, as the cluster says, in one request. */
  static Map<String, Integer> partitions(KafkaSettings kafka, String... topics) {
    try (Admin admin = Admin.create(kafka.clientProperties())) {
      Map<String, Integer> counts = new HashMap<>();
      admin
          .describeTopics(List.of(topics))
          .allTopicNames()
          .get(30, TimeUnit.SECONDS)
          .forEach((name, description) -> counts.put(name, description.partitions().size()));
      return counts;
    } catch (Exception e) {
      throw new PartitionsUnreadableException(List.of(topics), e);
    }
  }

  private static Throwable rootCause(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t;
  }

  /**
   * How many times a stream thread failed and was replaced within {@code window}, and the last
   * reason.
   */
  public Failures failuresWithin(Duration window) {
    Instant since = clock.instant().minus(window);
    synchronized (failures) {
      while (!failures.isEmpty() && failures.peekFirst().isBefore(since)) {
        failures.removeFirst();
      }
      return new Failures(failures.size(), lastFailure);
    }
  }

  /** Stream thread failures in a window. */
  public record Failures(int count, String last) {}

  public HistoryMetrics metrics() {
    return metrics;
  }

  public String applicationId() {
    return settings.applicationId;
  }

  public KafkaStreams.State state() {
    return streams == null ? KafkaStreams.State.NOT_RUNNING : streams.state();
  }

  @Override
  public void stop() {
    stopping.set(true); // the last commits write every statistic kept since the last write
    if (streams != null) {
      // leave the group, so a restarted or replacing instance gets the partitions at once
      streams.close(
          CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
              .withTimeout(Duration.ofSeconds(30)));
    }
  }
}
