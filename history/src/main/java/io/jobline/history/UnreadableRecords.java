package io.jobline.history;

import io.jobline.topic.Topics;
import io.jobline.wire.WireLimits;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A record history cannot read (an event of a type it does not know, a field of the wrong type,
 * bytes that are not JSON) goes to {@code jobline.history.dlq} with its reason, and history goes
 * on. Such events were dropped without a word: no executor reads the events topic to dead-letter
 * them, as one does requests (found by review).
 */
public final class UnreadableRecords implements DeserializationExceptionHandler {
  private static final Logger LOG = LoggerFactory.getLogger(UnreadableRecords.class);

  /**
   * The most of a record's value its dead letter keeps: one at Kafka's largest, with the headers
   * added, would be over what the producer sends, and the commit would fail on every retry.
   */
  static final int MAX_VALUE_BYTES = 512 * 1024;

  static final String ORIGINAL_SIZE_HEADER = "jobline.dlq.original-bytes";

  /** Sets this handler on a history app's properties. */
  static void configure(Properties props) {
    props.put(
        StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, UnreadableRecords.class);
  }

  /**
   * Sets on a rebuild's properties a handler that counts in {@code counted} what it cannot read and
   * goes on, sending nothing: the live history set those records aside already, and a copy per
   * rebuild was recorded as a new dead letter each time (found by review).
   */
  static void configureCounting(Properties props, LongAdder counted) {
    configure(props);
    props.put(COUNTED_CONFIG, counted);
  }

  /** The Streams config key that carries a rebuild's counter ({@link #configureCounting}). */
  static final String COUNTED_CONFIG = "jobline.history.set-aside.counted";

  private LongAdder counted;

  @Override
  public void configure(Map<String, ?> configs) {
    counted = configs.get(COUNTED_CONFIG) instanceof LongAdder c ? c : null;
  }

  /**
   * Sets aside an unreadable event; anything else history reads (its own repartition topic) fails
   * the stream as before: such a record is history's own, and set aside its request would be lost
   * (found by review).
   */
  @Override
  public Response handleError(
      ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
    if (!Topics.EVENTS.name().equals(record.topic())) {
      return Response.fail();
    }
    if (counted != null) {
      counted.increment();
      return Response.resume();
    }
    return Response.resume(List.of(deadLetter(record, exception)));
  }

  /** At most 500 characters of {@code message}, control characters as '?'. */
  private static String shown(String message) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < message.length() && i < 500; i++) {
      char c = message.charAt(i);
      b.append(Character.isISOControl(c) || Character.isSurrogate(c) ? '?' : c);
    }
    return message.length() > 500 ? b + "…" : b.toString();
  }

  static ProducerRecord<byte[], byte[]> deadLetter(
      ConsumerRecord<byte[], byte[]> record, Exception exception) {
    String message =
        exception.getMessage() == null
            ? exception.getClass().getSimpleName()
            : exception.getMessage();
    String reason =
        "history could not read this record of "
            + record.topic()
            + "@"
            + record.partition()
            + ":"
            + record.offset()
            + ": "
            + shown(message);
    LOG.error("A record was set aside: {}; it is on {}", reason, Topics.HISTORY_DLQ.name());
    byte[] key = record.key();
    ProducerRecord<byte[], byte[]> dead =
        new ProducerRecord<>(
            Topics.HISTORY_DLQ.name(),
            null,
            key != null && key.length > WireLimits.MAX_ID_CHARS
                ? WireLimits.cutId(new String(key, StandardCharsets.UTF_8))
                    .getBytes(StandardCharsets.UTF_8)
                : key,
            cut(record.value()));
    dead.headers().add(Topics.DLQ_REASON_HEADER, reason.getBytes(StandardCharsets.UTF_8));
    dead.headers().add(Topics.DLQ_SOURCE_HEADER, "history".getBytes(StandardCharsets.UTF_8));
    originalSize(record.value()).ifPresent(h -> dead.headers().add(ORIGINAL_SIZE_HEADER, h));
    return dead;
  }

  /** {@code value} cut to {@link #MAX_VALUE_BYTES}, so a dead letter fits in one Kafka record. */
  static byte[] cut(byte[] value) {
    return value != null && value.length > MAX_VALUE_BYTES
        ? Arrays.copyOf(value, MAX_VALUE_BYTES)
        : value;
  }

  /** The {@link #ORIGINAL_SIZE_HEADER} of a value {@link #cut} cuts. */
  static Optional<byte[]> originalSize(byte[] value) {
    return value != null && value.length > MAX_VALUE_BYTES
        ? Optional.of(Integer.toString(value.length).getBytes(StandardCharsets.UTF_8))
        : Optional.empty();
  }
}
