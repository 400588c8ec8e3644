package io.jobline.scheduler;

import io.jobline.schedule.Schedule;
import io.jobline.topic.PreparedRequest;
import io.jobline.topic.RequestProducer;
import io.jobline.wire.JobRequest;
import io.jobline.wire.RunEvent;
import java.util.List;
import java.util.concurrent.CompletableFuture;

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

  /** Requests staged ahead of their fire time. */
  interface Release {
    /** Makes the staged requests visible to executors; the future completes when Kafka has them. */
    CompletableFuture<?> publish();

    /** Takes the staged requests back: executors never see them. */
    void withdraw();
  }
}
