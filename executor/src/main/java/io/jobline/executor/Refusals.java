package io.jobline.executor;

import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Sends a record the executor cannot run to the dead-letter topic with its reason; when the record
 * names its run, that run ends as failed with the same reason, so whoever waits on it hears —
 * unless a request of that run attempt runs, waits or ended lately here: the record refused is then
 * a bad copy, and the run goes on as the good one says.
 */
final class Refusals {
  private final String executorId;
  private final Clock clock;
  private final EventPublisher events;
  private final DeadLetters deadLetters;
  private final Predicate<String> hereAlready;
  private final AtomicLong count = new AtomicLong();

  /**
   * Refusals that ask {@code dispatcher} whether a run attempt is here. (Not whether it moved
   * aside: a copy of one moved follows it, and is refused, if at all, where its twin waits; and the
   * request refused may be the one moved, read back from the overflow lane here, found by review.)
   */
  Refusals(
      String executorId,
      Clock clock,
      EventPublisher events,
      DeadLetters deadLetters,
      Dispatcher dispatcher) {
    this(executorId, clock, events, deadLetters, dispatcher::runsOrWaits);
  }

  /**
   * @param hereAlready whether a request of a run attempt ({@link Pending#claimKey}) runs, waits or
   *     ended lately here
   */
  Refusals(
      String executorId,
      Clock clock,
      EventPublisher events,
      DeadLetters deadLetters,
      Predicate<String> hereAlready) {
    this.executorId = executorId;
    this.clock = clock;
    this.events = events;
    this.deadLetters = deadLetters;
    this.hereAlready = hereAlready;
  }

  long count() {
    return count.get();
  }

  /**
   * Refuses {@code record}: its dead letter goes into the open transaction; {@code done} (its
   * offset) runs once the run's failure, when it has a run id, is in that transaction too, so
   * neither is committed without the other.
   *
   * @param request what could be read of it (its ids at least), or null
   */
  void refuse(
      ConsumerRecord<byte[], byte[]> record, String reason, JobRequest request, Runnable done) {
    refuse(record, reason, request, false, done);
  }

  /**
   * As {@link #refuse(ConsumerRecord, String, JobRequest, Runnable)}; {@code runsElsewhere}: the
   * record is a copy of a request whose attempt the partition's previous owner still ran when it
   * handed it over (that owner publishes its end, or the takeover of the request its note names
   * does).
   */
  void refuse(
      ConsumerRecord<byte[], byte[]> record,
      String reason,
      JobRequest request,
      boolean runsElsewhere,
      Runnable done) {
    count.incrementAndGet();
    String why = DeadLetters.capped(reason);
    if (request == null || request.runId() == null) {
      deadLetters.send(record, why, done);
      return;
    }
    if (runsElsewhere) {
      deadLetters.send(
          record,
          DeadLetters.capped(
              why
                  + "; its run attempt goes on at the partition's previous owner, which ran"
                  + " another copy"),
          done);
      return;
    }
    if (hereAlready.test(Pending.claimKey(request.runId().value(), request.attemptOrFirst()))) {
      // a bad copy of a good request (a client reusing a run id, a copy changed on the way):
      // its failure ended the run the good copy runs, and its real end then changed nothing
      // (found by review)
      deadLetters.send(
          record,
          DeadLetters.capped(why + "; its run attempt goes on here as its other copy says"),
          done);
      return;
    }
    deadLetters.send(record, why, () -> {});
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
                .put("error", why)
                .put("job_name", request.jobName())
                .put("tenant_id", request.tenantId())),
        record.partition(),
        done);
  }
}
