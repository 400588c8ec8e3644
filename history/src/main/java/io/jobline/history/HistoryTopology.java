package io.jobline.history;

import io.jobline.run.AuditEntry;
import io.jobline.run.JobStats;
import io.jobline.run.RunRecord;
import io.jobline.store.RunLogStore;
import io.jobline.store.RunStore;
import io.jobline.store.StatsStore;
import io.jobline.topic.JsonSerde;
import io.jobline.topic.Topics;
import io.jobline.wire.IsoInstant;
import io.jobline.wire.JobRequest;
import io.jobline.wire.RunId;
import io.jobline.wire.Trigger;
import io.jobline.wire.WireLimits;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The history topology: requests (re-keyed by run id) and events are merged and folded per run by
 * {@link HistoryProcessor}, which keeps runs and statistics in state stores and writes them to
 * MongoDB; runs MongoDB refuses go to {@code jobline.history.dlq}.
 */
public final class HistoryTopology {
  /**
   * The runs' state ({@link RunState}), a window store; named apart from the key-value store {@code
   * runs} that held every run for ever before, whose changelog a new store cannot read.
   */
  public static final String RUNS_STORE = "run-state";

  static final String STATS_STORE = "run-stats";
  static final String COMMIT_HOOK = "commit-hook";

  /** The ends each task counted since it last stored its statistics ({@link EndsJournal}). */
  static final String ENDS_STORE = "run-ends";

  /** Where each task notes the requests it holds back ({@link QueuedHold}), to read them again. */
  static final String HOLD_STORE = "queued-hold";

  /**
   * Inputs re-keyed through the repartition topic, and runs in the state: read leniently (a value
   * this version cannot read is none), as an earlier version may have written what it no longer
   * reads — a time past the year 9999, say — and a store or topic read that throws stops the task
   * at every start. A run the state cannot give is folded onto the run as MongoDB holds it.
   */
  static final Serde<RunInput> INPUT = lenient(new JsonSerde<>(RunInput.class));

  static final Serde<RunRecord> RECORD =
      lenient(StateFit.fitting(new JsonSerde<>(RunRecord.class)));
  static final Serde<JobStats> STATS = new JobStatsSerde();

  private static final Logger LOG = LoggerFactory.getLogger(HistoryTopology.class);

  private HistoryTopology() {}

  /**
   * The most bytes a request takes through history's repartition topic: well under the producer's
   * largest record (1 MiB), with room for what history adds to it.
   */
  static final int MAX_REPARTITIONED_BYTES = 512 * 1024;

  /**
   * {@code input} as it can go through the repartition topic: a request written larger than {@link
   * #MAX_REPARTITIONED_BYTES} (params near the topic's largest record, numbers Jackson writes
   * longer than they came) without its params, and if still larger with its ids cut and without
   * what else it carries. The executor refuses such a request (it is over {@link
   * WireLimits#MAX_REQUEST_BYTES}) and ends its run failed with the reason. (Found by review: its
   * send failed, and the stream thread stopped on it at every restart.)
   */
  static RunInput repartitionable(RunInput input) {
    JobRequest q = input.request();
    if (q == null || size(input) <= MAX_REPARTITIONED_BYTES) {
      return input;
    }
    RunInput fit = RunInput.of(q.withParams(null));
    if (size(fit) > MAX_REPARTITIONED_BYTES) {
      fit =
          RunInput.of(
              new JobRequest(
                  q.runId(),
                  WireLimits.cutId(q.jobName()),
                  null,
                  q.tenantId() == null ? null : WireLimits.cutId(q.tenantId()),
                  null,
                  q.attempt(),
                  q.maxAttempts(),
                  q.timeoutSeconds(),
                  null,
                  q.requestedAt(),
                  null,
                  null,
                  q.retryBackoffSeconds(),
                  q.retryBackoffCapSeconds()));
    }
    LOG.warn(
        "Request of run {} is too large for history's repartition topic; its run is kept without"
            + " its params",
        WireLimits.printable(q.runId().value()));
    return fit;
  }

  private static int size(RunInput input) {
    byte[] bytes = INPUT.serializer().serialize(null, input);
    return bytes == null ? 0 : bytes.length;
  }

  /**
   * Where history writes: runs, their log lines, the statistics of the runs that ended, the audit
   * trail, and — when not null — what it sets aside, sent at once and acknowledged before the
   * stripped copy of a run is stored or the commit goes on ({@link DirectDeadLetters}); null
   * forwards those through the topology (tests).
   */
  public record Sinks(
      RunStore runs,
      RunLogStore logs,
      Consumer<List<StatsStore.Part>> stats,
      Consumer<List<AuditEntry>> audit,
      Consumer<List<Record<String, byte[]>>> deadLettersNow) {
    /** Sinks that drop the audit trail (tests of runs alone). */
    public Sinks(RunStore runs, RunLogStore logs, Consumer<List<StatsStore.Part>> stats) {
      this(runs, logs, stats, entries -> {});
    }

    /** Sinks that forward what a commit sets aside with the next transaction (tests). */
    public Sinks(
        RunStore runs,
        RunLogStore logs,
        Consumer<List<StatsStore.Part>> stats,
        Consumer<List<AuditEntry>> audit) {
      this(runs, logs, stats, audit, null);
    }
  }

  /** The internal topic requests are re-keyed by run id through, for an application id. */
  public static String repartitionTopic(String applicationId) {
    return applicationId + "-requests-by-run-repartition";
  }

  /** The topology for tests: requests and events read side by side (one partition each). */
  public static Topology build(HistorySettings settings, Sinks sinks) {
    return build(settings, sinks, new HistoryMetrics(), 1, 1);
  }

  /**
   * With as many partitions on both topics, a run's events are on the partition number of its
   * request (executors and every other producer of events put them there), so the two are read side
   * by side and folded in the same task. Otherwise requests are re-keyed by run id onto as many
   * partitions as {@code jobline.events} has, through an internal topic.
   */
  public static Topology build(
      HistorySettings settings,
      Sinks sinks,
      HistoryMetrics metrics,
      int requestPartitions,
      int eventPartitions) {
    return build(
        settings, sinks, metrics, requestPartitions, eventPartitions, true, () -> false, null);
  }

  /**
   * The topology, holding queued runs back ({@link QueuedHold}) only if {@code hold}: a rebuild
   * writes every run it read before it stops. While {@code statsWithEveryCommit} says so (a
   * rebuild; a history that is stopping), the statistics are written with every commit rather than
   * every {@code history.statsInterval}, so none is left behind. When {@code onlyCounted} is not
   * null, what is set aside is only counted there and goes to no topic: a rebuild reads again what
   * the live history set aside already.
   */
  static Topology build(
      HistorySettings settings,
      Sinks sinks,
      HistoryMetrics metrics,
      int requestPartitions,
      int eventPartitions,
      boolean hold,
      BooleanSupplier statsWithEveryCommit,
      LongAdder onlyCounted) {
    StreamsBuilder builder = new StreamsBuilder();
    // the processor keeps what changed since the last commit in memory and writes it once per
    // commit
    builder.addStateStore(
        Stores.windowStoreBuilder(
                Stores.persistentWindowStore(
                    RUNS_STORE,
                    Duration.ofMillis(settings.runStateRetention.toMilliseconds()),
                    Duration.ofMillis(RunState.BUCKET_MS),
                    false),
                Serdes.String(),
                RECORD)
            .withCachingDisabled());
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(STATS_STORE), Serdes.String(), STATS)
            .withCachingDisabled());
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(ENDS_STORE), Serdes.String(), Serdes.ByteArray())
            .withCachingDisabled());
    builder.addStateStore(CommitHook.builder(COMMIT_HOOK));
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(HOLD_STORE), Serdes.String(), Serdes.String())
            .withCachingDisabled());

    KStream<String, RunInput> requests =
        builder.stream(
                Topics.REQUESTS.name(),
                Consumed.with(Serdes.String(), lenient(Topics.REQUESTS.valueSerde()))
                    .withName("requests-source"))
            .processValues(WithRunId::new, Named.as("derive-run-ids"))
            // (a run id too long to store a run under is the executor's dead letter, with no run;
            // keyed by it, the request was over Kafka's largest record on the repartition topic,
            // and stopped the stream thread at every restart: found by review)
            .filter((tenant, request) -> foldable(request), Named.as("valid-requests"))
            .selectKey((tenant, request) -> request.runId().value(), Named.as("key-by-run"))
            .mapValues(RunInput::of, Named.as("request-input"));
    if (requestPartitions != eventPartitions) {
      requests =
          requests
              .mapValues(HistoryTopology::repartitionable, Named.as("fit-for-repartition"))
              .repartition(
                  Repartitioned.with(Serdes.String(), INPUT)
                      .withName("requests-by-run")
                      .withNumberOfPartitions(eventPartitions));
    }

    KStream<String, RunInput> events =
        builder.stream(
                Topics.EVENTS.name(),
                // (one that does not read goes to the history dead-letter topic with its reason:
                // UnreadableRecords)
                Consumed.with(Serdes.String(), Topics.EVENTS.valueSerde())
                    .withName("events-source"))
            // (one without a key or a type is set aside by the processor, with its reason)
            .filter((runId, event) -> event != null, Named.as("valid-events"))
            .mapValues(RunInput::of, Named.as("event-input"));

    // queued runs are held back only when their requests are read straight from jobline.requests:
    // a held one is read again from there after a restart (a repartition topic is purged)
    boolean holding = hold && requestPartitions == eventPartitions;
    KStream<String, byte[]> setAside =
        requests
            .merge(events, Named.as("run-inputs"))
            .process(
                () -> new HistoryProcessor(sinks, settings, metrics, holding, statsWithEveryCommit),
                Named.as("fold-and-store"),
                RUNS_STORE,
                STATS_STORE,
                ENDS_STORE,
                COMMIT_HOOK,
                HOLD_STORE);
    if (onlyCounted == null) {
      setAside.to(
          Topics.HISTORY_DLQ.name(),
          Produced.with(Serdes.String(), Serdes.ByteArray()).withName("set-aside"));
    } else {
      setAside.foreach((runId, value) -> onlyCounted.increment(), Named.as("set-aside-counted"));
    }
    return builder.build();
  }

  /**
   * Gives a request straight from another producer what Jobline's own carry: a run id derived from
   * where it sits in Kafka, the topic trigger, and as its request time the time its record was
   * accepted (the record's timestamp), so it lists, sorts, ages and counts like any other run.
   */
  private static final class WithRunId
      implements FixedKeyProcessor<String, JobRequest, JobRequest> {
    private FixedKeyProcessorContext<String, JobRequest> context;

    @Override
    public void init(FixedKeyProcessorContext<String, JobRequest> context) {
      this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<String, JobRequest> record) {
      var meta = context.recordMetadata().orElseThrow();
      context.forward(
          record.withValue(
              derive(
                  record.value(),
                  meta.topic(),
                  meta.partition(),
                  meta.offset(),
                  record.timestamp())));
    }
  }

  /**
   * Whether history folds a run of this request (after {@link #derive}): one naming a job, under a
   * run id a run can be stored under. The executor dead-letters the others with no run.
   */
  static boolean foldable(JobRequest request) {
    return request != null
        && request.jobName() != null
        && request.runId() != null
        && WireLimits.unstorableRunId(request.runId().value()).isEmpty();
  }

  /**
   * A request as history folds it: one from another producer gets what Jobline's own carry (a run
   * id from where it sits in Kafka, the topic trigger, its record's timestamp as request time).
   */
  static JobRequest derive(
      JobRequest request, String topic, int partition, long offset, long timestamp) {
    if (request != null && request.runId() == null) {
      request = request.withRunId(RunId.forRecord(topic, partition, offset));
    }
    if (request != null && request.trigger() == null) {
      request = request.withTrigger(Trigger.topic());
    }
    Instant at = IsoInstant.ofRecordTimestamp(timestamp);
    if (request != null && request.requestedAt() == null && at != null) {
      request = request.withRequestedAt(at);
    }
    return request;
  }

  /**
   * A serde whose deserializer yields null for bad bytes: for requests, which the executor
   * dead-letters (history would list each twice).
   */
  static <T> Serde<T> lenient(Serde<T> serde) {
    Deserializer<T> strict = serde.deserializer();
    Deserializer<T> tolerant =
        (topic, bytes) -> {
          try {
            return strict.deserialize(topic, bytes);
          } catch (RuntimeException e) {
            return null;
          }
        };
    return Serdes.serdeFrom(serde.serializer(), tolerant);
  }
}
