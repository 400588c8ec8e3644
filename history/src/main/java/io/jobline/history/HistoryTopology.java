package io.jobline.history;

import io.jobline.run.RunRecord;
import io.jobline.store.RunStore;
import io.jobline.topic.JsonSerde;
import io.jobline.topic.Topics;
import io.jobline.wire.JobRequest;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import io.jobline.wire.Trigger;
import java.time.Duration;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

/**
 * The history topology: requests (re-keyed by run id) and events are merged and folded per run
 * into the {@value #RUNS_STORE} store; every change is written to Mongo in batches.
 */
public final class HistoryTopology {
  public static final String RUNS_STORE = "runs";
  static final Serde<RunInput> INPUT = new JsonSerde<>(RunInput.class);
  static final Serde<RunRecord> RECORD = new JsonSerde<>(RunRecord.class);

  private HistoryTopology() {}

  /** Where history writes: runs, their log lines, and the runs that just ended (statistics). */
  public record Sinks(RunStore runs, io.jobline.store.RunLogStore logs,
      java.util.function.Consumer<java.util.List<RunRecord>> ended) {}

  public static Topology build(HistorySettings settings, Sinks sinks) {
    StreamsBuilder builder = new StreamsBuilder();
    RunFold fold = new RunFold(settings.maxLogsPerRun);

    KStream<String, RunInput> requests = builder
        .stream(Topics.REQUESTS.name(), Consumed.with(Serdes.String(),
            lenient(Topics.REQUESTS.valueSerde())).withName("requests-source"))
        .processValues(WithRunId::new, Named.as("derive-run-ids"))
        .filter((tenant, request) -> request != null && request.jobName() != null, Named.as("valid-requests"))
        .selectKey((tenant, request) -> request.runId().value(), Named.as("key-by-run"))
        .mapValues(RunInput::of, Named.as("request-input"))
        .repartition(Repartitioned.with(Serdes.String(), INPUT).withName("requests-by-run"));

    KStream<String, RunInput> events = builder
        .stream(Topics.EVENTS.name(), Consumed.with(Serdes.String(),
            lenient(Topics.EVENTS.valueSerde())).withName("events-source"))
        .filter((runId, event) -> event != null && runId != null, Named.as("valid-events"))
        .mapValues(RunInput::of, Named.as("event-input"));

    requests.merge(events, Named.as("run-inputs"))
        .groupByKey(Grouped.with("runs-by-id", Serdes.String(), INPUT))
        .aggregate(RunFold::empty, fold::apply, Named.as("fold-runs"),
            Materialized.<String, RunRecord, org.apache.kafka.streams.state.KeyValueStore<
                    org.apache.kafka.common.utils.Bytes, byte[]>>as(RUNS_STORE)
                .withKeySerde(Serdes.String()).withValueSerde(RECORD))
        .toStream(Named.as("run-changes"))
        .process(() -> new RunSinkProcessor(sinks, settings.batchSize,
            Duration.ofMillis(settings.flushInterval.toMilliseconds()), settings.maxLogsPerRun), Named.as("mongo-sink"));
    return builder.build();
  }

  /** Gives a request without a run id the one derived from where it sits in Kafka. */
  private static final class WithRunId implements FixedKeyProcessor<String, JobRequest, JobRequest> {
    private FixedKeyProcessorContext<String, JobRequest> context;

    @Override
    public void init(FixedKeyProcessorContext<String, JobRequest> context) {
      this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<String, JobRequest> record) {
      JobRequest request = record.value();
      if (request != null && request.runId() == null) {
        var meta = context.recordMetadata().orElseThrow();
        request = request.withRunId(RunId.forRecord(meta.topic(), meta.partition(), meta.offset()));
      }
      if (request != null && request.trigger() == null) {
        request = request.withTrigger(Trigger.topic());
      }
      context.forward(record.withValue(request));
    }
  }

  /** A serde whose deserializer yields null for bad bytes: the executor dead-letters them. */
  private static <T> Serde<T> lenient(Serde<T> serde) {
    Deserializer<T> strict = serde.deserializer();
    Deserializer<T> tolerant = (topic, bytes) -> {
      try {
        return strict.deserialize(topic, bytes);
      } catch (RuntimeException e) {
        return null;
      }
    };
    return Serdes.serdeFrom(serde.serializer(), tolerant);
  }


}
