package io.jobline.executor;

import io.jobline.topic.Topics;
import io.jobline.wire.JobRequest;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves the requests of a tenant with a backlog here to the overflow lane, in the transaction that
 * commits their offsets (poll thread only): a move, never a copy or a loss. A moved request keeps
 * its key, partition number, timestamp and, through the {@link Origin} header, the run id it would
 * have had where it was first read.
 */
final class OverflowMover {
  private static final Logger LOG = LoggerFactory.getLogger(OverflowMover.class);

  private final String executorId;
  private final Dispatcher dispatcher;
  private final EventTransaction transaction;
  private final boolean overflowAligned;
  private final AtomicLong moved = new AtomicLong();
  private long lastReportNanos = System.nanoTime();
  private long movedAtLastReport;

  /**
   * @param overflowAligned whether the overflow lane has as many partitions as the main lane (a
   *     moved request then keeps its partition number)
   */
  OverflowMover(
      String executorId,
      Dispatcher dispatcher,
      EventTransaction transaction,
      boolean overflowAligned) {
    this.executorId = executorId;
    this.dispatcher = dispatcher;
    this.transaction = transaction;
    this.overflowAligned = overflowAligned;
  }

  long moved() {
    return moved.get();
  }

  /**
   * Moves a request as it came — unread, so the move is cheap — with its timestamp (the request
   * time of a record without one) and a header naming where it was first read.
   */
  void move(ConsumerRecord<byte[], byte[]> record, String tenantKey) {
    RecordHeaders headers = new RecordHeaders(record.headers().toArray());
    headers.remove(Origin.HEADER);
    headers.add(Origin.HEADER, Origin.of(record.topic(), record.partition(), record.offset()));
    transaction.move(
        new ProducerRecord<>(
            Topics.REQUESTS_OVERFLOW.name(),
            overflowAligned ? record.partition() : null,
            record.timestamp() >= 0 ? record.timestamp() : null,
            tenantKey,
            record.value(),
            headers));
    moved.incrementAndGet();
  }

  /**
   * Moves the requests of an overflowing tenant still waiting in the main lane too (before the
   * record that found it overflowing, so its order holds): waiting, they would keep their
   * partition's committed offset back while the offsets after them are moved on, and a backlog of
   * such offsets cannot all be remembered in the commit.
   */
  void moveWaiting(String tenantKey) {
    List<Pending> moving =
        dispatcher.take(
            p ->
                !Lanes.isOverflow(p.partition())
                    && tenantKey.equals(p.tenantKey())
                    && p.notBefore() == null
                    && p.elsewhere() == null
                    && p.claimEpoch() == 0);
    for (Pending p : moving) {
      JobRequest r = p.request();
      RecordHeaders headers = new RecordHeaders();
      headers.add(
          Origin.HEADER, Origin.of(p.partition().topic(), p.partition().partition(), p.offset()));
      transaction.move(
          new ProducerRecord<>(
              Topics.REQUESTS_OVERFLOW.name(),
              overflowAligned ? p.partition().partition() : null,
              r.requestedAt() == null ? null : r.requestedAt().toEpochMilli(),
              tenantKey,
              Topics.REQUESTS.valueSerde().serializer().serialize(Topics.REQUESTS.name(), r),
              headers));
      moved.incrementAndGet();
      p.done().run();
    }
  }

  /** Says every 10 s how many requests went to the overflow lane since, if any did. */
  void report(OverflowPace pace) {
    long now = System.nanoTime();
    if (now - lastReportNanos < 10_000_000_000L) {
      return;
    }
    long total = moved.get();
    if (total > movedAtLastReport) {
      LOG.info(
          "Executor {} moved {} requests of tenants with a backlog to the overflow lane in {} s; its"
              + " pace is {} runs/s",
          executorId,
          total - movedAtLastReport,
          (now - lastReportNanos) / 1_000_000_000L,
          Math.round(pace.perSecond()));
    }
    movedAtLastReport = total;
    lastReportNanos = now;
  }
}
