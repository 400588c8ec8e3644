package io.jobline.history;

import java.time.Clock;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaClientSupplier;

/**
 * Streams' clients as Streams makes them, but with producers that tell their thread's {@link
 * ThreadCommits} when a transaction's commit returned: the end of the thread's commit round,
 * measured where it ends rather than when the thread next reads a record (a poll's wait later).
 */
final class CommitTimingClients implements KafkaClientSupplier {
  private final long commitIntervalMs;
  private final Clock clock;

  /**
   * @param clock the wall clock, as the tasks' {@code currentSystemTimeMs} reads it
   */
  CommitTimingClients(long commitIntervalMs, Clock clock) {
    this.commitIntervalMs = commitIntervalMs;
    this.clock = clock;
  }

  @Override
  public Admin getAdmin(Map<String, Object> config) {
    return Admin.create(config);
  }

  @Override
  public Producer<byte[], byte[]> getProducer(Map<String, Object> config) {
    return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer()) {
      @Override
      public void commitTransaction() {
        super.commitTransaction();
        ThreadCommits.ofThisThread(commitIntervalMs).working(clock.millis());
      }
    };
  }

  @Override
  public Consumer<byte[], byte[]> getConsumer(Map<String, Object> config) {
    return consumer(config);
  }

  @Override
  public Consumer<byte[], byte[]> getRestoreConsumer(Map<String, Object> config) {
    return consumer(config);
  }

  @Override
  public Consumer<byte[], byte[]> getGlobalConsumer(Map<String, Object> config) {
    return consumer(config);
  }

  private static Consumer<byte[], byte[]> consumer(Map<String, Object> config) {
    return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }
}
