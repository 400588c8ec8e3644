package io.jobline.executor;

import io.jobline.topic.Topics;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes each record the poll thread reads from the request lanes: skips it (finished by a previous
 * owner), queues it for the dispatcher, moves it to the overflow lane (its tenant has a backlog
 * here), or dead-letters it with its reason. No record can stop the loop.
 */
final class RequestReader {
  private static final Logger LOG = LoggerFactory.getLogger(RequestReader.class);

  private final String executorId;
  private final Clock clock;
  private final Intake intake;
  private final OffsetTracker offsets;
  private final Map<TopicPartition, OwnedPartition> owned;
  private final Lanes lanes;
  private final Dispatcher dispatcher;
  private final EventTransaction transaction;
  private final EventPublisher events;
  private final DeadLetters deadLetters;
  private final boolean overflowAligned;
  private final AtomicLong deadLettered = new AtomicLong();
  private final AtomicLong diverted = new AtomicLong();

  RequestReader(
      String executorId,
      Clock clock,
      Intake intake,
      OffsetTracker offsets,
      Map<TopicPartition, OwnedPartition> owned,
      Lanes lanes,
      Dispatcher dispatcher,
      EventTransaction transaction,
      EventPublisher events,
      DeadLetters deadLetters,
      boolean overflowAligned) {
    this.executorId = executorId;
    this.clock = clock;
    this.intake = intake;
    this.offsets = offsets;
    this.owned = owned;
    this.lanes = lanes;
    this.dispatcher = dispatcher;
    this.transaction = transaction;
    this.events = events;
    this.deadLetters = deadLetters;
    this.overflowAligned = overflowAligned;
  }

  long deadLettered() {
    return deadLettered.get();
  }

  long diverted() {
    return diverted.get();
  }

  private long lastMovedReportNanos = System.nanoTime();
  private long movedAtLastReport;

  /** Says every 10 s how many requests went to the overflow lane since, if any did. */
  void reportMoves(OverflowPace pace) {
    long now = System.nanoTime();
    if (now - lastMovedReportNanos < 10_000_000_000L) {
      return;
    }
    long moved = diverted.get();
    if (moved > movedAtLastReport) {
      LOG.info(
          "Executor {} moved {} requests of tenants with a backlog to the overflow lane in {} s; its"
              + " pace is {} runs/s",
          executorId,
          moved - movedAtLastReport,
          (now - lastMovedReportNanos) / 1_000_000_000L,
          Math.round(pace.perSecond()));
    }
    movedAtLastReport = moved;
    lastMovedReportNanos = now;
  }

  /** Takes one record read. */
  void accept(ConsumerRecord<byte[], byte[]> record) {
    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
    long offset = record.offset();
    offsets.taken(tp, offset);
    OwnedPartition o = owned.get(tp);
    if (o != null && o.skip.remove(offset)) {
      offsets.finished(tp, offset); // its run ended at this partition's previous owner
      return;
    }
    Runnable done = () -> offsets.finished(tp, offset);
    String tenantKey =
        record.key() == null || Lanes.isOverflow(tp) || o != null && o.elsewhere.containsKey(offset)
            ? null
            : new String(record.key(), StandardCharsets.UTF_8);
    if (tenantKey != null && !lanes.staysInMainLane(tenantKey)) {
      if (lanes.firstMoveSinceRecount(tenantKey)) {
        moveWaiting(tenantKey);
      }
      divert(record, tenantKey, done);
      return;
    }
    try {
      admit(record, tp, offset, done, o == null ? null : o.elsewhere.remove(offset));
    } catch (RuntimeException e) {
      LOG.warn(
          "Request at {}@{} could not be accepted; it goes to the dead-letter topic: {}",
          tp,
          offset,
          e.toString());
      reject(record, "could not be accepted: " + e, null, done);
    }
  }

  private void admit(
      ConsumerRecord<byte[], byte[]> record,
      TopicPartition tp,
      long offset,
      Runnable done,
      String elsewhere) {
    Intake.Place at =
        new Intake.Place(
            record.topic(),
            record.partition(),
            offset,
            record.timestamp(),
            Lanes.isOverflow(tp) ? Origin.of(record) : null);
    Intake.Admission admission = intake.admit(record.value(), at);
    if (admission instanceof Intake.Refused refused) {
      reject(record, refused.reason(), refused.ids(), done);
    } else if (admission instanceof Intake.Admitted admitted) {
      dispatcher.add(
          new Pending(admitted.job(), admitted.request(), tp, offset, done, null, elsewhere, 0, 0));
    }
  }

  /**
   * Moves a request to the overflow lane, in the transaction that commits its offset: its tenant
   * (the record's key) has enough waiting here already. The record goes as it came — unread, so the
   * move is cheap — with its timestamp (the request time of a record without one) and a header
   * naming where it was first read (the run id of a record without one), so history knows it as the
   * run it saw on the main lane.
   */
  private void divert(ConsumerRecord<byte[], byte[]> record, String tenantKey, Runnable done) {
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
    diverted.incrementAndGet();
    done.run();
  }

  /**
   * Moves the requests of an overflowing tenant still waiting in the main lane to the overflow lane
   * too (before the record that found it overflowing, so its order holds): waiting, they would keep
   * their partition's committed offset back while the offsets after them are moved on, and a
   * backlog of such offsets cannot all be remembered in the commit.
   */
  private void moveWaiting(String tenantKey) {
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
      diverted.incrementAndGet();
      p.done().run();
    }
  }

  private void reject(
      ConsumerRecord<byte[], byte[]> record, String reason, JobRequest request, Runnable done) {
    deadLettered.incrementAndGet();
    if (request != null && request.runId() != null) {
      events.publish(
          new RunEvent(
              request.runId(),
              1,
              EventType.FAILED,
              clock.instant(),
              executorId,
              request.attemptOrFirst(),
              0,
              Json.object()
                  .put("error", reason)
                  .put("job_name", request.jobName())
                  .put("tenant_id", request.tenantId())),
          record.partition());
    }
    deadLetters.send(record, reason, done);
  }
}
