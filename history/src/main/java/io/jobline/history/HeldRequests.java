package io.jobline.history;

import io.jobline.topic.Topics;
import io.jobline.wire.JobRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads again the requests a task held back when it last committed ({@link QueuedHold}): the
 * offsets from the lowest held, noted as {@code "from-to"} with a commit (at most every {@code
 * history.holdNoteEvery}), up to where the task's last commit got ({@code to} then or later). Kafka
 * Streams had committed past them, so without this a restart would lose them until their runs'
 * events came.
 */
final class HeldRequests {
  private static final Logger LOG = LoggerFactory.getLogger(HeldRequests.class);

  /**
   * Well under the transaction timeout Streams gives exactly-once producers (10 s): this read holds
   * up the stream thread, and the other tasks' open transaction with it.
   */
  private static final Duration DEADLINE = Duration.ofSeconds(5);

  /** A request read again, as history folds it. */
  record Read(String runId, JobRequest request, long offset, long timestamp) {}

  /** A note's offsets. */
  record Span(long from, long to) {
    static Optional<Span> parse(String note) {
      if (note == null) {
        return Optional.empty();
      }
      int dash = note.indexOf('-');
      try {
        long from = Long.parseLong(note.substring(0, dash));
        long to = Long.parseLong(note.substring(dash + 1));
        return from < to ? Optional.of(new Span(from, to)) : Optional.empty();
      } catch (RuntimeException e) {
        return Optional.empty();
      }
    }

    String note() {
      return from + "-" + to;
    }
  }

  private HeldRequests() {}

  /**
   * Reads {@code jobline.requests} partition {@code partition} (committed records only) from {@code
   * span}'s start up to the later of its end and the offset the Streams application last committed
   * for it, with a consumer of its own, built from the application's client settings.
   *
   * <p>What it cannot read within {@link #DEADLINE} it leaves, saying so: those runs show when
   * their events come, as without a note. (Found by review: it threw, which failed the task's
   * start, and a span too slow to read every time had Streams start the task over and over, history
   * stuck.)
   *
   * @return the offset it read up to (exclusive)
   */
  static long read(
      Map<String, Object> appConfigs, int partition, Span span, Consumer<Read> requests) {
    return read(appConfigs, partition, span, DEADLINE, requests);
  }

  /** As {@link #read(Map, int, Span, Consumer)}, within {@code within}. */
  static long read(
      Map<String, Object> appConfigs,
      int partition,
      Span span,
      Duration within,
      Consumer<Read> requests) {
    Map<String, Object> props = new HashMap<>();
    Set<String> known = ConsumerConfig.configNames();
    appConfigs.forEach(
        (k, v) -> {
          if (known.contains(k) && !k.equals(ConsumerConfig.GROUP_ID_CONFIG)) {
            props.put(k, v);
          }
        });
    props.remove(ConsumerConfig.CLIENT_ID_CONFIG);
    // the application's group, only to read its committed offset: this consumer is assigned its
    // partition, never subscribes, and commits nothing
    Object group = appConfigs.get(StreamsConfig.APPLICATION_ID_CONFIG);
    if (group != null) {
      props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    }
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(
        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
        IsolationLevel.READ_COMMITTED.toString().toLowerCase(Locale.ROOT));
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    Deserializer<JobRequest> values =
        HistoryTopology.lenient(Topics.REQUESTS.valueSerde()).deserializer();
    TopicPartition tp = new TopicPartition(Topics.REQUESTS.name(), partition);
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.assign(List.of(tp));
      consumer.seek(tp, span.from());
      long deadline = System.nanoTime() + within.toNanos();
      long to;
      try {
        long end = consumer.endOffsets(List.of(tp), left(deadline)).get(tp);
        // a log cut below the note (a topic made again, an unclean leader election) has less to
        // read
        to = Math.min(Math.max(span.to(), committedOr(consumer, group, tp, end, deadline)), end);
      } catch (TimeoutException e) {
        return gaveUp(tp, span, span.to(), span.from(), within);
      }
      while (consumer.position(tp) < to) {
        if (System.nanoTime() > deadline) {
          return gaveUp(tp, span, to, consumer.position(tp), within);
        }
        List<Read> batch = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.offset() >= to) {
            break;
          }
          JobRequest request =
              HistoryTopology.derive(
                  values.deserialize(r.topic(), r.value()),
                  r.topic(),
                  r.partition(),
                  r.offset(),
                  r.timestamp());
          if (request != null && request.jobName() != null && request.runId() != null) {
            batch.add(new Read(request.runId().value(), request, r.offset(), r.timestamp()));
          }
        }
        batch.forEach(requests);
      }
      return to;
    }
  }

  /** Says what it left unread, and returns where it got ({@code at}, exclusive). */
  private static long gaveUp(TopicPartition tp, Span span, long to, long at, Duration within) {
    LOG.warn(
        "Could not read the held requests of {} ({}-{}) within {} ms: read to {}; the runs of the"
            + " rest show when their events come",
        tp,
        span.from(),
        to,
        within.toMillis(),
        at);
    return Math.min(at, to);
  }

  /**
   * Where the application last committed {@code tp}: a note may be older than that commit (notes
   * are written at most every {@code history.holdNoteEvery}), and the runs held then may have been
   * read after the note's end. Without the group, or when the broker does not answer in time, the
   * partition's {@code end}: reading past the commit only holds again what the stream reads anew.
   */
  private static long committedOr(
      KafkaConsumer<byte[], byte[]> consumer,
      Object group,
      TopicPartition tp,
      long end,
      long deadline) {
    if (group == null) {
      return end;
    }
    try {
      OffsetAndMetadata committed = consumer.committed(Set.of(tp), left(deadline)).get(tp);
      return committed == null ? end : committed.offset();
    } catch (TimeoutException e) {
      LOG.warn("Could not read history's committed offset of {} in time; reading to its end", tp);
      return end;
    }
  }

  /** The time left until {@code deadline} (System.nanoTime), at least 1 ms. */
  private static Duration left(long deadline) {
    return Duration.ofNanos(
        Math.max(TimeUnit.MILLISECONDS.toNanos(1), deadline - System.nanoTime()));
  }
}
