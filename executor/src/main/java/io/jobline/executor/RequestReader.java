package io.jobline.executor;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes each record the poll thread reads from the request lanes: skips it (finished by a previous
 * owner), queues it for the dispatcher, moves it to the overflow lane (its tenant has a backlog
 * here), or refuses it to the dead-letter topic with its reason. No record can stop the loop.
 */
final class RequestReader {
  private static final Logger LOG = LoggerFactory.getLogger(RequestReader.class);

  private final Intake intake;
  private final OffsetTracker offsets;
  private final Map<TopicPartition, OwnedPartition> owned;
  private final Lanes lanes;
  private final Dispatcher dispatcher;
  private final OverflowMover mover;
  private final Refusals refusals;

  RequestReader(
      Intake intake,
      OffsetTracker offsets,
      Map<TopicPartition, OwnedPartition> owned,
      Lanes lanes,
      Dispatcher dispatcher,
      OverflowMover mover,
      Refusals refusals) {
    this.intake = intake;
    this.offsets = offsets;
    this.owned = owned;
    this.lanes = lanes;
    this.dispatcher = dispatcher;
    this.mover = mover;
    this.refusals = refusals;
  }

  OverflowMover mover() {
    return mover;
  }

  Refusals refusals() {
    return refusals;
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
        mover.moveWaiting(tenantKey);
      }
      mover.move(record, tenantKey);
      done.run();
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
      refusals.refuse(record, "could not be accepted: " + e, null, done);
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
      refusals.refuse(record, refused.reason(), refused.ids(), done);
    } else if (admission instanceof Intake.Admitted admitted) {
      dispatcher.add(
          new Pending(admitted.job(), admitted.request(), tp, offset, done, null, elsewhere, 0, 0));
    }
  }
}
