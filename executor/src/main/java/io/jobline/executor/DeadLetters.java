package io.jobline.executor;

import io.jobline.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
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

  /**
   * The most of a record's headers a dead letter carries, in their order; those past it are left
   * out (a record whose headers alone were near the broker's limit made a dead letter over the
   * producer's, which voided every transaction of the executor: found by review).
   */
  static final int MAX_HEADER_BYTES = 64 * 1024;

  /**
   * What a header takes in a record: its name in UTF-8, its value, and the lengths before them
   * (varints, at most 5 bytes each, counted generously), so many small headers count as they weigh.
   */
  static int headerBytes(Header h) {
    return h.key().getBytes(StandardCharsets.UTF_8).length
        + (h.value() == null ? 0 : h.value().length)
        + 10;
  }

  /** On a dead letter that left headers out: how many. */
  static final String HEADERS_LEFT_OUT_HEADER = "jobline.dlq.headers_left_out";

  private final EventTransaction transaction;

  DeadLetters(EventTransaction transaction) {
    this.transaction = transaction;
  }

  /**
   * The longest reason a dead letter, and the failure of its run, carries: a reason names what the
   * record broke, and params that break a schema in thousands of places made one of megabytes.
   */
  static final int MAX_REASON_CHARS = 8_192;

  /** The reason, cut to {@link #MAX_REASON_CHARS} with a note of how much was left out. */
  static String capped(String reason) {
    if (reason.length() <= MAX_REASON_CHARS) {
      return reason;
    }
    int cut = MAX_REASON_CHARS - 64;
    if (Character.isHighSurrogate(reason.charAt(cut - 1))) {
      cut--; // (not half a character)
    }
    return reason.substring(0, cut) + "… (" + (reason.length() - cut) + " more characters)";
  }

  /**
   * Puts the record on the dead-letter topic, saying what became of the run it names ({@code
   * runOutcome}, one of {@link DeadLetter#RUN_FAILED}, {@link DeadLetter#RUN_ELSEWHERE} and {@link
   * DeadLetter#RUN_NONE}: a redrive of a letter whose run was never failed need not wait for
   * history to show that failure); {@code sent} runs once it is in the transaction.
   */
  void send(
      ConsumerRecord<byte[], byte[]> record, String reason, String runOutcome, Runnable sent) {
    String why = capped(reason);
    LOG.warn(
        "Request at {}-{}@{} goes to the dead-letter topic: {}",
        record.topic(),
        record.partition(),
        record.offset(),
        why);
    ProducerRecord<byte[], byte[]> letter = letterOf(record, why);
    // (added last, so it is the one read, whatever the record carried under that name)
    letter.headers().add(Topics.DLQ_RUN_HEADER, runOutcome.getBytes(StandardCharsets.UTF_8));
    transaction.deadLetter(letter);
    sent.run();
  }

  /**
   * The dead letter of {@code record}: its key, value and headers (within {@link
   * #MAX_HEADER_BYTES}), with the reason and where it came from, within {@link #MAX_BYTES} in all.
   */
  static ProducerRecord<byte[], byte[]> letterOf(
      ConsumerRecord<byte[], byte[]> record, String why) {
    byte[] reasonBytes = why.getBytes(StandardCharsets.UTF_8);
    byte[] source =
        (record.topic() + "/" + record.partition() + "/" + record.offset())
            .getBytes(StandardCharsets.UTF_8);
    byte[] key = record.key();
    byte[] value = record.value();
    // (the headers this adds, the truncation note's included, count against the bound too)
    int rest =
        MAX_BYTES
            - reasonBytes.length
            - source.length
            - Topics.DLQ_REASON_HEADER.length()
            - Topics.DLQ_SOURCE_HEADER.length()
            - TRUNCATED_HEADER.length()
            - Topics.DLQ_RUN_HEADER.length()
            - 32;
    Headers headers = new RecordHeaders();
    int headerBytes = 0;
    int leftOut = 0;
    for (Header h : record.headers()) {
      int size = headerBytes(h);
      if (leftOut == 0 && headerBytes + size <= MAX_HEADER_BYTES) {
        headers.add(h);
        headerBytes += size;
      } else {
        leftOut++;
      }
    }
    rest -= headerBytes + HEADERS_LEFT_OUT_HEADER.length() + 16;
    if (key != null && key.length > Math.max(0, rest)) {
      key = Arrays.copyOf(key, Math.max(0, rest)); // (a key of most of a record: cut too)
    }
    rest -= key == null ? 0 : key.length;
    boolean cut = value != null && value.length > Math.max(0, rest);
    ProducerRecord<byte[], byte[]> out =
        new ProducerRecord<>(
            Topics.REQUESTS_DLQ.name(),
            null,
            key,
            cut ? Arrays.copyOf(value, Math.max(0, rest)) : value,
            headers);
    out.headers().add(Topics.DLQ_REASON_HEADER, reasonBytes);
    out.headers().add(Topics.DLQ_SOURCE_HEADER, source);
    if (cut) {
      out.headers()
          .add(TRUNCATED_HEADER, Integer.toString(value.length).getBytes(StandardCharsets.UTF_8));
    }
    if (leftOut > 0) {
      out.headers()
          .add(HEADERS_LEFT_OUT_HEADER, Integer.toString(leftOut).getBytes(StandardCharsets.UTF_8));
    }
    return out;
  }
}
