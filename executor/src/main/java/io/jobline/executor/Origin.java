package io.jobline.executor;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Where a request moved to the overflow lane was first read: its topic, partition and offset, in a
 * header of the moved record. A request without a run id is given the id of that first place
 * ({@code RunId.forRecord}), the one history gave it when it saw the request there.
 */
record Origin(String topic, int partition, long offset) {
  static final String HEADER = "jobline.origin";

  /**
   * The lease epoch of the partition a request was moved from, in a header of its own (an executor
   * of an earlier version reads the origin header alone, and would take a longer one for none).
   */
  static final String EPOCH_HEADER = "jobline.origin-epoch";

  /**
   * The largest origin epoch taken: far above any a lease reaches, it keeps the sum with the
   * overflow partition's ({@link Pending#leaseEpoch}) from overflowing whatever a header says.
   */
  static final long MAX_EPOCH = 1L << 48;

  static byte[] epoch(long epoch) {
    return Long.toString(epoch).getBytes(StandardCharsets.UTF_8);
  }

  /** The origin epoch a moved record carries, or 0 if none (or one that cannot be read). */
  static long epochOf(ConsumerRecord<byte[], byte[]> record) {
    Header h = record.headers().lastHeader(EPOCH_HEADER);
    if (h == null || h.value() == null || h.value().length > 20) {
      return 0;
    }
    try {
      long e = Long.parseLong(new String(h.value(), StandardCharsets.UTF_8));
      return e < 0 || e > MAX_EPOCH ? 0 : e;
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  static byte[] of(String topic, int partition, long offset) {
    return (topic + "/" + partition + "/" + offset).getBytes(StandardCharsets.UTF_8);
  }

  /** The record's origin, or null if it has none (or one that cannot be read). */
  static Origin of(ConsumerRecord<byte[], byte[]> record) {
    Header h = record.headers().lastHeader(HEADER);
    if (h == null || h.value() == null) {
      return null;
    }
    String[] parts = new String(h.value(), StandardCharsets.UTF_8).split("/");
    if (parts.length != 3) {
      return null;
    }
    try {
      return new Origin(parts[0], Integer.parseInt(parts[1]), Long.parseLong(parts[2]));
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
