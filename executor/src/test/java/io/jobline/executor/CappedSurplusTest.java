package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobline.job.JobDefinition;
import io.jobline.job.JobDescriptor;
import io.jobline.store.InMemoryTimerStore;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunId;
import io.jobline.wire.Scope;
import io.jobline.wire.Trigger;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** What a full main lane sheds: the surplus of jobs with a concurrency cap, oldest kept. */
class CappedSurplusTest {
  private static final Instant T0 = Instant.parse("2026-12-05T12:00:00Z");
  private static final JobDefinition CAPPED =
      new JobDefinition(
          new JobDescriptor("one-at-a-time", "", 60, 0, Scope.TENANT, false, 1, null), null, null);
  private static final JobDefinition FREE =
      new JobDefinition(
          new JobDescriptor("free", "", 60, 0, Scope.TENANT, false, 0, null), null, null);

  private static RunEnvironment environment() {
    return new RunEnvironment(
        "exec-a",
        new ExecutorSettings(),
        new ExecutorParts(null, new InMemoryTimerStore(), null, null),
        new EventPublisher(),
        Clock.fixed(T0, ZoneOffset.UTC),
        null);
  }

  /**
   * A request of {@code job} read at {@code offset} of partition {@code partition} of {@code lane}.
   */
  private static Pending pending(
      JobDefinition job,
      String runId,
      String tenant,
      String lane,
      int partition,
      long offset,
      Instant at) {
    JobRequest r =
        JobRequest.of(
            RunId.of(runId),
            job.name(),
            Json.object(),
            tenant,
            null,
            null,
            Trigger.manual(),
            at,
            "t");
    return new Pending(
        job, r, new TopicPartition(lane, partition), offset, () -> {}, null, null, 1, 0, 100);
  }

  /** A request read from the main lane's partition {@code partition}, or the overflow lane's -1. */
  private static Pending request(JobDefinition job, String tenant, int partition, long offset) {
    String lane = partition < 0 ? "jobline.requests.overflow" : "jobline.requests";
    return pending(job, tenant + "-" + offset, tenant, lane, Math.abs(partition), offset, T0);
  }

  @Test
  void onlyTheRequestsOfCappedJobsBeyondTheFirstOfEachJobAreTaken() {
    // found by review: ten tenants each within their share of the main lane, all asking for one
    // job that runs one at a time, filled the lane's requests in flight; reading stopped, and no
    // other tenant's request was read until that job had worked through them all
    Dispatcher dispatcher =
        new Dispatcher(
            new Dispatcher.Context(
                environment(),
                new HashMap<>(),
                new Lanes(200),
                OverflowPace.forTarget(1000, System.nanoTime()),
                null));
    long offset = 0;
    for (int i = 0; i < 30; i++) {
      for (int t = 0; t < 10; t++) {
        dispatcher.add(request(CAPPED, "t" + t, t, offset++));
      }
      dispatcher.add(request(FREE, "t0", 0, offset++));
    }
    dispatcher.add(request(CAPPED, "t1", -1, offset++)); // in the overflow lane already
    dispatcher.add(request(CAPPED, "t2", 2, offset++).later(T0.plusSeconds(5))); // a retry's time

    List<Pending> taken =
        dispatcher.take(
            OverflowMover.cappedBeyond(
                200, p -> !Lanes.isOverflow(p.partition()) && p.notBefore() == null));

    assertThat(taken).hasSize(100).allMatch(p -> p.job() == CAPPED);
    Map<Long, Pending> left = new HashMap<>();
    dispatcher.take(p -> true).forEach(p -> left.put(p.offset(), p));
    assertThat(left.values()).filteredOn(p -> p.job() == FREE).hasSize(30);
    assertThat(taken).as("the oldest 200 stay; the newest go").allMatch(p -> p.offset() >= 20 * 11);
    assertThat(left).containsKeys(offset - 1, offset - 2);
  }

  /** A dispatcher owning partition 0 of both lanes, whose runs are only noted. */
  private static Dispatcher owningBothLanes(List<Runnable> launched) {
    Map<TopicPartition, OwnedPartition> owned = new HashMap<>();
    for (String topic : List.of("jobline.requests", "jobline.requests.overflow")) {
      OwnedPartition o = new OwnedPartition(new TopicPartition(topic, 0));
      o.leased = true;
      o.epoch = 1;
      o.hold = new Hold(T0.plusSeconds(60));
      owned.put(o.tp, o);
    }
    RunEnvironment env = environment();
    ExecutorService noting =
        new AbstractExecutorService() {
          @Override
          public void execute(Runnable command) {
            launched.add(command);
          }

          @Override
          public void shutdown() {}

          @Override
          public List<Runnable> shutdownNow() {
            return List.of();
          }

          @Override
          public boolean isShutdown() {
            return false;
          }

          @Override
          public boolean isTerminated() {
            return false;
          }

          @Override
          public boolean awaitTermination(long timeout, TimeUnit unit) {
            return true;
          }
        };
    return new Dispatcher(
        new Dispatcher.Context(
            env,
            owned,
            new Lanes(200),
            OverflowPace.forTarget(1000, System.nanoTime()),
            new Runs(env, owned, null, new Fences(), null, noting)));
  }

  private static Pending requestedAt(String lane, String runId, Instant at) {
    return pending(CAPPED, runId, "t1", lane, 0, 1, at);
  }

  @Test
  void aCappedJobsRequestsMovedAsideStartBeforeItsLaterOnesInTheMainLane() {
    // found by review of the move: the main lane's pass comes first, so a capped job's requests
    // moved aside started only once none of that job waited in the main lane, and new ones kept
    // coming: they waited for good, filling the overflow lane
    List<Runnable> launched = new ArrayList<>();
    Dispatcher dispatcher = owningBothLanes(launched);
    dispatcher.add(requestedAt("jobline.requests.overflow", "older", T0));
    dispatcher.add(requestedAt("jobline.requests", "newer", T0.plusSeconds(1)));

    dispatcher.dispatchOnce();

    assertThat(launched)
        .extracting(r -> ((RunExecution) r).request().runId().value())
        .containsExactly("older");
  }

  @Test
  void aCappedJobsOlderRequestsInTheMainLaneStartBeforeItsNewerOnesMovedAside() {
    List<Runnable> launched = new ArrayList<>();
    Dispatcher dispatcher = owningBothLanes(launched);
    dispatcher.add(requestedAt("jobline.requests.overflow", "newer", T0.plusSeconds(1)));
    dispatcher.add(requestedAt("jobline.requests", "older", T0));

    dispatcher.dispatchOnce();

    assertThat(launched)
        .extracting(r -> ((RunExecution) r).request().runId().value())
        .containsExactly("older");
  }
}
