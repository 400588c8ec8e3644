package io.jobline.scheduler.chain;

import io.jobline.chain.ChainLauncher;
import io.jobline.schedule.Schedule;
import io.jobline.scheduler.Emitter;
import io.jobline.topic.PreparedRequest;
import io.jobline.wire.JobRequest;
import io.jobline.wire.RunEvent;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The scheduler's emitter with chains in between: the fire of a schedule that targets a chain, or
 * lists jobs to run after its own, starts a chain run (with the request's derived id) instead of
 * going to Kafka. The scheduler hands over the schedule it fires, so no store is read per fire;
 * such fires are never staged ahead, since a chain run starts when it is created.
 */
public final class ChainEmitter implements Emitter {
  private final Emitter delegate;
  private final ChainLauncher launcher;

  public ChainEmitter(Emitter delegate, ChainLauncher launcher) {
    this.delegate = delegate;
    this.launcher = launcher;
  }

  @Override
  public CompletableFuture<?> send(PreparedRequest prepared) {
    return delegate.send(prepared);
  }

  @Override
  public CompletableFuture<?> fire(Schedule schedule, PreparedRequest prepared) {
    if (launcher.launchIfChain(schedule, prepared.request())) {
      return CompletableFuture.completedFuture(null);
    }
    return delegate.fire(schedule, prepared);
  }

  @Override
  public boolean stages(Schedule schedule) {
    return !launcher.startsChain(schedule) && delegate.stages(schedule);
  }

  @Override
  public CompletableFuture<?> missed(RunEvent event) {
    return delegate.missed(event);
  }

  @Override
  public PreparedRequest prepare(JobRequest request) {
    return delegate.prepare(request);
  }

  @Override
  public void lead() {
    delegate.lead();
  }

  @Override
  public Release stage(List<PreparedRequest> requests) {
    return delegate.stage(requests);
  }
}
