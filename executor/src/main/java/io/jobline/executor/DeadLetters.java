package io.jobline.executor;

import io.jobline.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts request records that cannot be run on {@code jobline.requests.dlq}, as they came, with the
 * reason, in the executor's transaction (poll thread only): the dead letter and the request's
 * offset are committed together, so a request read again after an abort is not dead-lettered twice.
 */
final class DeadLetters {
  private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);

  /**
   * The most of a record's key, value and headers a dead letter carries (the producer refuses a
   * record over its 1 MiB request size, and a record refused would void every transaction): a value
   * beyond it is cut, and the {@link #TRUNCATED_HEADER} gives its length.
   */
  static final int MAX_BYTES = 900 * 1024;

  /** On a dead letter whose value was cut to fit: the value's length as it came. */
  static final String TRUNCATED_HEADER = "jobline.dlq.truncated";

  private final EventTransaction transaction;

  DeadLetters(EventTransaction transaction) {
    this.transaction = transaction;
  }

  /** Puts the record on the dead-letter topic; {@code sent} runs once it is in the transaction. */
  void send(ConsumerRecord<byte[], byte[]> record, String reason, Runnable sent) {
    LOG.warn(
        "Request at {}-{}@{} goes to the dead-letter topic: {}",
        record.topic(),
        record.partition(),
        record.offset(),
        reason);
    byte[] value = record.value();
    int rest = MAX_BYTES - (record.key() == null ? 0 : record.key().length);
    for (Header h : record.headers()) {
      rest -= h.key().length() + (h.value() == null ? 0 : h.value().length);
    }
    boolean cut = value != null && value.length > Math.max(0, rest);
    ProducerRecord<byte[], byte[]> out =
        new ProducerRecord<>(
            Topics.REQUESTS_DLQ.name(),
            null,
            record.key(),
            cut ? Arrays.copyOf(value, Math.max(0, rest)) : value,
            record.headers());
    out.headers().add(Topics.DLQ_REASON_HEADER, reason.getBytes(StandardCharsets.UTF_8));
    out.headers()
        .add(
            Topics.DLQ_SOURCE_HEADER,
            (record.topic() + "/" + record.partition() + "/" + record.offset())
                .getBytes(StandardCharsets.UTF_8));
    if (cut) {
      out.headers()
          .add(TRUNCATED_HEADER, Integer.toString(value.length).getBytes(StandardCharsets.UTF_8));
    }
    transaction.deadLetter(out);
    sent.run();
  }
}
