package io.jobline.scheduler;

import io.jobline.schedule.Schedule;
import io.jobline.topic.PreparedRequest;
import io.jobline.topic.RequestProducer;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Where the scheduler's output goes: requests to run, and records of fire times that did not run.
 */
public interface Emitter {
  /** Sends a prepared request; the future completes once Kafka has it. */
  CompletableFuture<?> send(PreparedRequest request);

  /** Records a missed fire time; the future completes once Kafka has the record. */
  CompletableFuture<?> missed(RunEvent event);

  /** Serializes a request ahead of its time. */
  default PreparedRequest prepare(JobRequest request) {
    return RequestProducer.prepare(request);
  }

  /** Sends a request now. */
  default CompletableFuture<?> request(JobRequest request) {
    return send(prepare(request));
  }

  /**
   * Sends the request of a schedule's fire; an emitter may start something else for it (a chain
   * run).
   */
  default CompletableFuture<?> fire(Schedule schedule, PreparedRequest request) {
    return send(request);
  }

  /**
   * Whether the requests of this schedule's fires may be staged ahead ({@link #stage}); else {@link
   * #fire} at the fire time.
   */
  default boolean stages(Schedule schedule) {
    return true;
  }

  /**
   * Called when this replica gains the leader lease, before it fires anything: get ready to stage.
   */
  default void lead() {}

  /**
   * Hands requests over ahead of their fire time, to become visible together on {@link
   * Release#publish()}. This default keeps them until then and sends them at publication.
   */
  default Release stage(List<PreparedRequest> requests) {
    return new Release() {
      @Override
      public CompletableFuture<?> publish() {
        return CompletableFuture.allOf(
            requests.stream().map(Emitter.this::send).toArray(CompletableFuture[]::new));
      }

      @Override
      public void withdraw() {}
    };
  }

  /**
   * Whether the request itself is what Kafka (or its serializer) refuses, so that sending it again
   * fails again: a broker that is down, or a missing permission, fails every request alike, and
   * they wait to be sent again.
   */
  static boolean refusedForGood(Throwable cause) {
    return cause instanceof RecordTooLargeException
        || cause instanceof InvalidRecordException
        || cause instanceof SerializationException
        || cause instanceof IllegalArgumentException
        || cause instanceof UncheckedIOException;
  }

  /**
   * The end, as failed for {@code reason}, of the run of a request that can never be sent ({@link
   * #refusedForGood}), recorded with {@link #missed} so whoever waits on the run hears.
   */
  static RunEvent neverSentEnd(JobRequest request, String reason, String by, Instant at) {
    return new RunEvent(
        request.runId(),
        1,
        EventType.FAILED,
        at,
        by,
        request.attemptOrFirst(),
        0,
        Json.object()
            .put("error", reason)
            .put("job_name", request.jobName())
            .put("tenant_id", request.tenantId()));
  }

  /** Requests staged ahead of their fire time. */
  interface Release {
    /** Makes the staged requests visible to executors; the future completes when Kafka has them. */
    CompletableFuture<?> publish();

    /** Takes the staged requests back: executors never see them. */
    void withdraw();
  }
}
