package io.jobline.scheduler;

import io.jobline.topic.PreparedRequest;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import io.jobline.wire.Trigger;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * An emitter whose sends of one tenant's requests Kafka does not answer (its partition has no
 * leader) while every other tenant's are taken at once; it notes every request sent.
 */
final class TenantDown implements Emitter {
  final List<JobRequest> sent = new CopyOnWriteArrayList<>();
  private final String tenant;
  private final Supplier<CompletableFuture<?>> unanswered;

  /** {@code unanswered}: the answer to each send of {@code tenant}'s, not complete yet. */
  TenantDown(String tenant, Supplier<CompletableFuture<?>> unanswered) {
    this.tenant = tenant;
    this.unanswered = unanswered;
  }

  /** A chain step's retry request of {@code tenant}, as the timers of these tests carry. */
  static JobRequest step(String runId, String tenant, Instant at) {
    return JobRequest.of(
        RunId.of(runId), "noop", Json.object(), tenant, 2, null, Trigger.manual(), at, "retry");
  }

  @Override
  public CompletableFuture<?> send(PreparedRequest prepared) {
    sent.add(prepared.request());
    return tenant.equals(prepared.request().tenantId())
        ? unanswered.get()
        : CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletableFuture<?> missed(RunEvent event) {
    return CompletableFuture.completedFuture(null);
  }
}
