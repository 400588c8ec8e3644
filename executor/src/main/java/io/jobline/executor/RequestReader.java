package io.jobline.executor;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.jobline.wire.JobRequest;
import java.io.IOException;
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
    OwnedPartition o = owned.get(tp);
    if (o != null) {
      o.firstRead(offset);
    }
    if (o != null && o.skip.remove(offset)) {
      offsets.taken(tp, offset);
      offsets.finished(tp, offset); // its run ended at this partition's previous owner
      return;
    }
    if (offsets.finishedAhead(tp, offset)) {
      offsets.taken(tp, offset);
      offsets.finished(tp, offset); // its run ended here before it was read again
      return;
    }
    String claimKey = null; // (read once, and only where needed)
    boolean claimRead = false;
    if (o != null && !o.noteRunning.isEmpty() && !o.elsewhere.containsKey(offset)) {
      // a copy of an attempt still going on at the previous owner waits for that owner's claim as
      // the record its note names does: started here at once, or moved aside, it ran on two
      // executors at once (found by review). Read only on a partition taken over that way.
      claimKey = claimKeyOf(record.value());
      claimRead = true;
      if (claimKey != null && o.noteRunning.containsValue(claimKey)) {
        o.elsewhere.put(offset, claimKey);
      }
    }
    String tenantKey =
        record.key() == null || Lanes.isOverflow(tp) || o != null && o.elsewhere.containsKey(offset)
            ? null
            : new String(record.key(), StandardCharsets.UTF_8);
    long bytes = MoveQueue.RECORD_OVERHEAD + Math.max(0, record.serializedValueSize());
    // (a record too large to run is refused where it is: moved as it came, with a header more, it
    // could be over what the producer sends, and that would void the transaction)
    if (tenantKey != null && OverflowMover.fitsAMove(record) && !offsets.readAgain(tp, offset)) {
      // a copy of a request moved aside lately follows it, even when its tenant's requests stay
      // here by now (read only for a tenant with moves lately)
      if (!claimRead && mover.mayHaveMovedFor(tp, tenantKey)) {
        claimKey = claimKeyOf(record.value());
        claimRead = true;
      }
      boolean follows = mover.movedAside(claimKey);
      if (follows || movesAside(tp, tenantKey, bytes)) {
        if (!claimRead) {
          claimKey = claimKeyOf(record.value()); // (read only for a record about to move)
        }
        // a copy of an attempt that runs or ran here, or waits in this lane here, stays, to be
        // told a duplicate here: moved, the overflow partition's executor would not know its twin
        // (found by review)
        if (!dispatcher.staysWithItsCopy(claimKey)) {
          mover.defer(tp, tenantKey, record, claimKey, follows);
          return;
        }
      }
    }
    offsets.taken(tp, offset, bytes);
    Runnable done = () -> offsets.finished(tp, offset);
    String elsewhere = o == null ? null : o.elsewhere.remove(offset);
    // a copy of an attempt the previous owner still runs, refused, fails nothing: that owner's end,
    // or the takeover of the record its note names, ends the attempt (found by review). That
    // record, refused, waits for the owner's claim (Refusals#refuseOnClaim)
    boolean copyOfOneElsewhere = elsewhere != null && !o.noteRunning.containsKey(offset);
    long originEpoch = Lanes.isOverflow(tp) ? Origin.epochOf(record) : 0;
    long partitionEpoch = o == null ? 0 : o.epoch + originEpoch; // (as Pending#leaseEpoch)
    boolean namedElsewhere = elsewhere != null && !copyOfOneElsewhere;
    try {
      admit(
          record,
          tp,
          offset,
          bytes,
          done,
          elsewhere,
          copyOfOneElsewhere,
          namedElsewhere,
          partitionEpoch,
          originEpoch);
    } catch (RuntimeException e) {
      LOG.warn(
          "Request at {}@{} could not be accepted; it goes to the dead-letter topic: {}",
          tp,
          offset,
          e.toString());
      // (with the ids it names, when it names a run: that run ends failed with the reason, so
      // whoever waits on it, a chain's step say, hears; found by review)
      refuse(
          record,
          "could not be accepted: " + e,
          Intake.salvaged(record.value(), place(record, tp)),
          copyOfOneElsewhere,
          namedElsewhere,
          partitionEpoch,
          done);
    }
  }

  /**
   * Whether a main-lane request goes to the overflow lane: its tenant has requests waiting to move
   * here already (it joins them, in order), or as many waiting to start as it may.
   */
  private boolean movesAside(TopicPartition tp, String tenantKey, long bytes) {
    if (mover.holds(tp, tenantKey)) {
      lanes.stillOverflowing(tenantKey);
      return true;
    }
    if (lanes.staysInMainLane(tenantKey, bytes)) {
      return false;
    }
    if (lanes.firstMoveSinceRecount(tenantKey)) {
      mover.moveWaiting(tenantKey);
    }
    return true;
  }

  /**
   * The claim key (run id and attempt) a request's record names, read without binding it, or null
   * if it names no run id (one is then derived from where it sits: no other record has it) or does
   * not read. A copy of an attempt that runs, ran or waits here is not moved unread: the overflow
   * partition's executor would not know it for a copy (found by review).
   */
  static String claimKeyOf(byte[] value) {
    if (value == null) {
      return null;
    }
    String runId = null;
    long attempt = 1;
    try (JsonParser p = JSON.createParser(value)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken token = p.nextToken();
        if ("run_id".equals(field) && token.isScalarValue() && token != JsonToken.VALUE_NULL) {
          runId = p.getText(); // (a number too, as the request's binding reads it)
        } else if ("attempt".equals(field) && token.isNumeric()) {
          attempt = (long) p.getDoubleValue();
        } else if ("attempt".equals(field) && token == JsonToken.VALUE_STRING) {
          try {
            attempt = Long.parseLong(p.getText().trim());
          } catch (NumberFormatException notANumber) {
            return null;
          }
        } else {
          p.skipChildren();
        }
      }
    } catch (IOException | RuntimeException unreadable) {
      return null;
    }
    return runId == null ? null : Pending.claimKey(runId, Math.max(1, attempt));
  }

  private static final JsonFactory JSON = new JsonFactory();

  private void refuse(
      ConsumerRecord<byte[], byte[]> record,
      String reason,
      JobRequest ids,
      boolean copyOfOneElsewhere,
      boolean namedElsewhere,
      long partitionEpoch,
      Runnable done) {
    if (namedElsewhere) {
      refusals.refuseOnClaim(record, reason, ids, partitionEpoch, done);
    } else {
      refusals.refuse(record, reason, ids, copyOfOneElsewhere, done);
    }
  }

  private static Intake.Place place(ConsumerRecord<byte[], byte[]> record, TopicPartition tp) {
    return new Intake.Place(
        record.topic(),
        record.partition(),
        record.offset(),
        record.timestamp(),
        Lanes.isOverflow(tp) ? Origin.of(record) : null);
  }

  private void admit(
      ConsumerRecord<byte[], byte[]> record,
      TopicPartition tp,
      long offset,
      long bytes,
      Runnable done,
      String elsewhere,
      boolean copyOfOneElsewhere,
      boolean namedElsewhere,
      long partitionEpoch,
      long originEpoch) {
    Intake.Admission admission = intake.admit(record.value(), place(record, tp));
    if (admission instanceof Intake.Refused refused) {
      refuse(
          record,
          refused.reason(),
          refused.ids(),
          copyOfOneElsewhere,
          namedElsewhere,
          partitionEpoch,
          done);
    } else if (admission instanceof Intake.Admitted admitted) {
      Pending read =
          new Pending(
              admitted.job(), admitted.request(), tp, offset, done, null, elsewhere, 0, 0, bytes);
      dispatcher.add(originEpoch == 0 ? read : read.movedUnder(originEpoch));
    }
  }
}
