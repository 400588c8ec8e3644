package io.jobline.history;

import io.dropwizard.lifecycle.Managed;
import io.jobline.topic.KafkaSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
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
  private KafkaStreams streams;

  public History(KafkaSettings kafka, HistorySettings settings, HistoryTopology.Sinks sinks, short replication) {
    this.kafka = kafka;
    this.settings = settings;
    this.sinks = sinks;
    this.replication = replication;
  }

  @Override
  public void start() {
    Properties props = new Properties();
    props.putAll(kafka.clientProperties());
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, settings.applicationId);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, settings.streamThreads);
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, settings.commitInterval.toMilliseconds());
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) replication);
    props.put(StreamsConfig.STATE_DIR_CONFIG, settings.stateDir != null ? settings.stateDir
        : Path.of(System.getProperty("java.io.tmpdir"), "jobline-streams").toString());
    props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
    props.put(StreamsConfig.producerPrefix("linger.ms"), 5);
    props.put("processing.exception.handler.global.enabled", true);
    streams = new KafkaStreams(HistoryTopology.build(settings, sinks), props);
    streams.setUncaughtExceptionHandler(e -> {
      LOG.error("History stream thread failed; replacing it and reprocessing from the last commit", e);
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
    });
    streams.start();
  }

  public KafkaStreams.State state() {
    return streams == null ? KafkaStreams.State.NOT_RUNNING : streams.state();
  }

  @Override
  public void stop() {
    if (streams != null) {
      // leave the group, so a restarted or replacing instance gets the partitions at once
      streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
          .withTimeout(Duration.ofSeconds(30)));
    }
  }
}
