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
import org.apache.kafka.clients.consumer.CloseOptions;
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

/**
 * Reads again the requests a task held back when it last committed ({@link QueuedHold}): the
 * offsets from the lowest held, noted as {@code "from-to"} with a commit (at most every {@code
 * history.holdNoteEvery}), up to where the task's last commit got ({@code to} then or later). Kafka
 * Streams had committed past them, so without this a restart would lose them until their runs'
 * events came.
 *
 * <p>A {@link Reader} reads for as long as it is given, and goes on from there the next time: the
 * task reads what it can before it starts ({@code history.heldReadDeadline}) and the rest in slices
 * between its inputs, noting where it got, so what it has not read yet is never dropped from its
 * note.
 */
final class HeldRequests {
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
   * A read of {@code jobline.requests} partition {@code partition} (committed records only) from a
   * span's start up to the later of its end and the offset the Streams application last committed
   * for it, with a consumer of its own, built from the application's client settings and kept open
   * until the read is over or closed.
   */
  static final class Reader implements AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final TopicPartition tp;
    private final Object group;
    private final Span span;
    private final Deserializer<JobRequest> values =
        HistoryTopology.lenient(Topics.REQUESTS.valueSerde()).deserializer();

    /** Where the read ends (exclusive); -1 until the broker said. */
    private long to = -1;

    /** Where the read ends at the latest: the first request its task's stream read itself. */
    private long cap = Long.MAX_VALUE;

    /** The offset it reads next, as last known. */
    private long at;

    Reader(Map<String, Object> appConfigs, int partition, Span span) {
      this.span = span;
      this.at = span.from();
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
      group = appConfigs.get(StreamsConfig.APPLICATION_ID_CONFIG);
      if (group != null) {
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
      }
      props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      props.put(
          ConsumerConfig.ISOLATION_LEVEL_CONFIG,
          IsolationLevel.READ_COMMITTED.toString().toLowerCase(Locale.ROOT));
      props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      tp = new TopicPartition(Topics.REQUESTS.name(), partition);
      consumer =
          new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
      try {
        consumer.assign(List.of(tp));
        consumer.seek(tp, span.from());
      } catch (RuntimeException e) {
        close();
        throw e;
      }
    }

    /**
     * The read ends at {@code offset} at the latest: where its task's stream began reading the
     * partition itself. (The group's commit, asked late, may be the task's own newer one: reading
     * up to it would fold again what the stream folded, taking held runs out of the hold.)
     */
    void endAtMost(long offset) {
      cap = Math.min(cap, offset);
    }

    /**
     * Reads on for {@code within} and {@code maxRecords} at most, handing each request read to
     * {@code requests}. A broker that does not answer in time ends the read for now, never throws.
     *
     * @return whether it has read all there is to read
     */
    boolean readFor(Duration within, int maxRecords, Consumer<Read> requests) {
      long deadline = System.nanoTime() + within.toNanos();
      if (to < 0) {
        try {
          long end = consumer.endOffsets(List.of(tp), left(deadline)).get(tp);
          long committed = committedOr(end, deadline);
          if (committed < 0) {
            return false; // asked again with the next read
          }
          // a log cut below the note (a topic made again, an unclean leader election) has less to
          // read
          to = Math.min(Math.max(span.to(), committed), end);
        } catch (TimeoutException e) {
          return false;
        }
      }
      long end = Math.min(to, cap);
      int records = 0;
      while (at < end) {
        if (System.nanoTime() > deadline) {
          return false;
        }
        List<Read> batch = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r :
            consumer.poll(Duration.ofMillis(Math.min(200, left(deadline).toMillis())))) {
          if (r.offset() >= end) {
            at = end;
            break;
          }
          if (records >= maxRecords) {
            consumer.seek(tp, r.offset()); // read from this one the next time
            at = r.offset();
            batch.forEach(requests);
            return false;
          }
          at = r.offset() + 1;
          records++;
          JobRequest request =
              HistoryTopology.derive(
                  values.deserialize(r.topic(), r.value()),
                  r.topic(),
                  r.partition(),
                  r.offset(),
                  r.timestamp());
          // (as the stream reads them: one it leaves out, read again after a restart, stopped
          // the stream thread at each start, found by review)
          if (HistoryTopology.foldable(request)) {
            batch.add(new Read(request.runId().value(), request, r.offset(), r.timestamp()));
          }
        }
        batch.forEach(requests);
        if (at < end) {
          try {
            // (past records a transaction marker or an abort left out: the consumer knows)
            at = Math.max(at, consumer.position(tp, left(deadline)));
          } catch (TimeoutException e) {
            return false;
          }
        }
      }
      return true;
    }

    /** The offset it reads next: every request below it was read. */
    long position() {
      return Math.min(at, to());
    }

    /** Where the read ends (exclusive): the span's end while the broker has not said. */
    long to() {
      return Math.min(to < 0 ? span.to() : to, Math.max(cap, span.from()));
    }

    /**
     * Where the application last committed {@code tp}: a note may be older than that commit (notes
     * are written at most every {@code history.holdNoteEvery}), and the runs held then may have
     * been read after the note's end. Without the group (or a commit), the partition's {@code end}:
     * reading past the commit only holds again what the stream reads anew. -1 when the broker does
     * not answer in time.
     */
    private long committedOr(long end, long deadline) {
      if (group == null) {
        return end;
      }
      try {
        OffsetAndMetadata committed = consumer.committed(Set.of(tp), left(deadline)).get(tp);
        return committed == null ? end : committed.offset();
      } catch (TimeoutException e) {
        return -1;
      }
    }

    /** Closes its consumer, waiting for the broker 1 s at most. */
    @Override
    public void close() {
      consumer.close(CloseOptions.timeout(Duration.ofSeconds(1)));
    }
  }

  /** The time left until {@code deadline} (System.nanoTime), at least 1 ms. */
  private static Duration left(long deadline) {
    return Duration.ofNanos(
        Math.max(TimeUnit.MILLISECONDS.toNanos(1), deadline - System.nanoTime()));
  }
}
