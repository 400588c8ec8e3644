package io.jobline.topic;

import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The timeouts of a producer whose sends a caller waits on for 30 s ({@code sendAndWait}): Kafka
 * gives such a send up before the wait ends (by default it went on trying for 120 s, so an api that
 * answered 503, "nothing was changed", could see the record written a minute later, and a client
 * that sent it again without an Idempotency-Key had it twice). What is not acknowledged when the
 * wait ends is then not written later, unless the broker wrote it and its answer was lost.
 */
final class SendTimeouts {
  /** How long a caller waits for a send to be acknowledged. */
  static final long WAIT_SECONDS = 30;

  private SendTimeouts() {}

  /** Puts the timeouts in a producer's properties: within {@link #WAIT_SECONDS} in all. */
  static void withinTheWait(Map<String, Object> props) {
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
    props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
    props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 25_000);
  }
}
