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
