package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.topic.Topics;
import io.jobline.wire.WireLimits;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/** The dead letter an executor makes of a request it cannot run. */
class DeadLettersTest {
  private static ConsumerRecord<byte[], byte[]> record(
      byte[] key, byte[] value, RecordHeaders headers) {
    return new ConsumerRecord<>(
        Topics.REQUESTS.name(),
        3,
        17,
        0L,
        TimestampType.CREATE_TIME,
        key == null ? -1 : key.length,
        value == null ? -1 : value.length,
        key,
        value,
        headers,
        Optional.empty());
  }

  /** Its bytes as the producer counts them, roughly: key, value, header names and values. */
  private static int bytes(ProducerRecord<byte[], byte[]> letter) {
    int n = (letter.key() == null ? 0 : letter.key().length) + letter.value().length;
    for (Header h : letter.headers()) {
      n += h.key().length() + (h.value() == null ? 0 : h.value().length);
    }
    return n;
  }

  private static String header(ProducerRecord<byte[], byte[]> letter, String name) {
    Header h = letter.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }

  @Test
  void aSmallRecordComesWithItsHeadersTheReasonAndItsSource() {
    RecordHeaders headers = new RecordHeaders();
    headers.add("trace", "abc".getBytes(StandardCharsets.UTF_8));
    ProducerRecord<byte[], byte[]> letter =
        DeadLetters.letterOf(record("t1".getBytes(), "{}".getBytes(), headers), "bad params");

    assertThat(letter.topic()).isEqualTo(Topics.REQUESTS_DLQ.name());
    assertThat(letter.value()).isEqualTo("{}".getBytes());
    assertThat(header(letter, "trace")).isEqualTo("abc");
    assertThat(header(letter, Topics.DLQ_REASON_HEADER)).isEqualTo("bad params");
    assertThat(header(letter, Topics.DLQ_SOURCE_HEADER)).isEqualTo("jobline.requests/3/17");
    assertThat(header(letter, DeadLetters.TRUNCATED_HEADER)).isNull();
    assertThat(header(letter, DeadLetters.HEADERS_LEFT_OUT_HEADER)).isNull();
  }

  @Test
  void headersNearTheBrokersLimitAreLeftOutAndTheValueKept() {
    // found by review: headers were carried whole, so a record whose headers alone were near the
    // broker's 1 MB made a dead letter over the producer's limit, which voided every transaction
    RecordHeaders headers = new RecordHeaders();
    headers.add("small", "kept".getBytes(StandardCharsets.UTF_8));
    for (int i = 0; i < 30; i++) {
      headers.add("big-" + i, new byte[32 * 1024]);
    }
    byte[] value = "{\"job_name\":\"noop\"}".getBytes(StandardCharsets.UTF_8);
    ProducerRecord<byte[], byte[]> letter =
        DeadLetters.letterOf(record("t1".getBytes(), value, headers), "unreadable");

    assertThat(bytes(letter)).isLessThanOrEqualTo(DeadLetters.MAX_BYTES);
    assertThat(letter.value()).isEqualTo(value);
    assertThat(header(letter, "small")).isEqualTo("kept");
    assertThat(header(letter, "big-0")).isNotNull();
    assertThat(header(letter, "big-29")).isNull();
    assertThat(Integer.parseInt(header(letter, DeadLetters.HEADERS_LEFT_OUT_HEADER))).isEqualTo(29);
  }

  @Test
  void aRequestIsMovedAsideAsItCameOnlyIfItsCopyFitsWhatTheProducerSends() {
    RecordHeaders few = new RecordHeaders();
    few.add("trace", new byte[100]);
    assertThat(OverflowMover.fitsAMove(record("t1".getBytes(), new byte[1_000], few))).isTrue();
    assertThat(
            OverflowMover.fitsAMove(
                record("t1".getBytes(), new byte[WireLimits.MAX_REQUEST_BYTES + 1], few)))
        .isFalse();
    // found by review: only the value was measured; headers near the broker's limit made a copy
    // over the producer's, which voided the executor's transaction every time it was read again
    RecordHeaders many = new RecordHeaders();
    for (int i = 0; i < 30; i++) {
      many.add("big-" + i, new byte[32 * 1024]);
    }
    assertThat(OverflowMover.fitsAMove(record("t1".getBytes(), new byte[1_000], many))).isFalse();
    assertThat(OverflowMover.fitsAMove(record(new byte[70 * 1024], new byte[1_000], few)))
        .isFalse();
    // many small headers weigh their lengths too
    RecordHeaders tiny = new RecordHeaders();
    for (int i = 0; i < 20_000; i++) {
      tiny.add("h", new byte[0]);
    }
    assertThat(OverflowMover.fitsAMove(record("t1".getBytes(), new byte[1_000], tiny))).isFalse();
  }

  @Test
  void aRequestMovedAsideCarriesItsRequestTimeOnlyWhenAProducerTakesIt() {
    // found by review: a request time before 1970 (a producer's zero time, year 1) made a negative
    // timestamp, which the producer refused by throwing: the poll loop stopped, after every restart
    long now = Instant.parse("2026-12-05T12:00:00Z").toEpochMilli();
    assertThat(OverflowMover.timestampOf(Instant.parse("2026-12-05T11:59:00Z"), now))
        .isEqualTo(now - 60_000);
    assertThat(OverflowMover.timestampOf(Instant.parse("0001-01-01T00:00:00Z"), now)).isNull();
    assertThat(OverflowMover.timestampOf(Instant.parse("2099-01-01T00:00:00Z"), now)).isNull();
    assertThat(OverflowMover.timestampOf(null, now)).isNull();
  }

  @Test
  void aValueTooLargeIsCutAndItsLengthNoted() {
    RecordHeaders headers = new RecordHeaders();
    headers.add("trace", new byte[60 * 1024]);
    byte[] value = new byte[2 * 1024 * 1024];
    ProducerRecord<byte[], byte[]> letter =
        DeadLetters.letterOf(record(new byte[300 * 1024], value, headers), "x".repeat(8_000));

    assertThat(bytes(letter)).isLessThanOrEqualTo(DeadLetters.MAX_BYTES);
    assertThat(header(letter, DeadLetters.TRUNCATED_HEADER)).isEqualTo("2097152");
    assertThat(header(letter, "trace")).isNotNull();
  }
}
