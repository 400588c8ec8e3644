package io.jobline.executor;

import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Sends a record the executor cannot run to the dead-letter topic with its reason; when the record
 * names its run, that run ends as failed with the same reason, so whoever waits on it hears.
 */
final class Refusals {
  private final String executorId;
  private final Clock clock;
  private final EventPublisher events;
  private final DeadLetters deadLetters;
  private final AtomicLong count = new AtomicLong();

  Refusals(String executorId, Clock clock, EventPublisher events, DeadLetters deadLetters) {
    this.executorId = executorId;
    this.clock = clock;
    this.events = events;
    this.deadLetters = deadLetters;
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
    count.incrementAndGet();
    String why = DeadLetters.capped(reason);
    if (request == null || request.runId() == null) {
      deadLetters.send(record, why, done);
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
