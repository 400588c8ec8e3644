package io.jobline.scheduler;

import io.jobline.topic.EventProducer;
import io.jobline.topic.PreparedRequest;
import io.jobline.topic.RequestProducer;
import io.jobline.wire.RunEvent;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The scheduler's output to Kafka: requests sent at once through the plain producer, requests
 * staged ahead through the transactional one, missed fire times as run events.
 */
public final class KafkaEmitter implements Emitter {
  private final RequestProducer requests;
  private final EventProducer events;
  private final ReleasingRequestProducer staging;

  public KafkaEmitter(
      RequestProducer requests, EventProducer events, ReleasingRequestProducer staging) {
    this.requests = requests;
    this.events = events;
    this.staging = staging;
  }

  @Override
  public CompletableFuture<?> send(PreparedRequest request) {
    return requests.send(request);
  }

  @Override
  public CompletableFuture<?> missed(RunEvent event) {
    return events.send(event);
  }

  @Override
  public void lead() {
    staging.ready();
  }

  @Override
  public Release stage(List<PreparedRequest> prepared) {
    ReleasingRequestProducer.Staged staged = staging.stage(prepared);
    return new Release() {
      @Override
      public CompletableFuture<?> publish() {
        return staged.release();
      }

      @Override
      public void withdraw() {
        staged.withdraw();
      }
    };
  }
}
