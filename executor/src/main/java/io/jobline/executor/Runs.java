package io.jobline.executor;

import io.jobline.wire.JobRequest;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;

/**
 * The runs going on at this executor: starts each on a thread of its own under the lease it holds,
 * and reaches them when a cancel comes, a partition is lost or the executor stops. The dispatcher
 * decides what starts; this keeps what did.
 */
final class Runs {
  private final RunEnvironment env;
  private final Map<TopicPartition, OwnedPartition> owned;
  private final LeaseKeeper leases;
  private final Fences fenced;
  private final ControlListener control;
  private final ExecutorService threads;
  private final Map<RunExecution, Boolean> executions = new ConcurrentHashMap<>();
  private final AtomicLong started = new AtomicLong();

  Runs(
      RunEnvironment env,
      Map<TopicPartition, OwnedPartition> owned,
      LeaseKeeper leases,
      Fences fenced,
      ControlListener control,
      ExecutorService threads) {
    this.env = env;
    this.owned = owned;
    this.leases = leases;
    this.fenced = fenced;
    this.control = control;
    this.threads = threads;
  }

  /** Runs {@code p} under its own claim's hold or its partition's; {@code outcome} hears how. */
  void launch(Pending p, RunOutcome outcome) {
    started.incrementAndGet();
    Hold hold =
        p.claimEpoch() > 0
            ? leases.claimHold() // its own claim, just taken
            : owned.get(p.partition()).hold;
    RunExecution execution = new RunExecution(p, hold, env, new Tracking(), outcome);
    executions.put(execution, Boolean.TRUE); // before it runs: a revocation must find it
    threads.execute(execution);
  }

  Collection<RunExecution> all() {
    return executions.keySet();
  }

  long started() {
    return started.get();
  }

  /** Asks every run to stop for {@code reason}. */
  void stopAll(StopReason reason) {
    executions.keySet().forEach(e -> e.requestStop(reason));
  }

  /** Stops the runs of a partition lost, and drops whatever they publish from now on. */
  void fence(TopicPartition tp) {
    executions.keySet().stream()
        .filter(e -> e.pending().partition().equals(tp))
        .forEach(
            e -> {
              fenced.fence(e.pending().claimKey(), e.epoch());
              e.fence();
            });
  }

  /** A cancel arrived: stop the attempt if it runs here (waiting ones are checked at start). */
  void cancel(String runId, int upToAttempt) {
    executions.keySet().stream()
        .filter(
            e ->
                e.request().runId().value().equals(runId)
                    && e.request().attemptOrFirst() <= upToAttempt)
        .forEach(e -> e.requestStop(StopReason.CANCEL));
  }

  private final class Tracking implements RunningRuns {
    @Override
    public void add(RunExecution execution) {
      JobRequest r = execution.request();
      if (control.isCancelled(r.runId().value(), r.attemptOrFirst())) {
        cancel(r.runId().value(), r.attemptOrFirst());
      }
    }

    @Override
    public void remove(RunExecution execution) {
      executions.remove(execution);
    }

    @Override
    public boolean isCancelled(String runId, int attempt) {
      return control.isCancelled(runId, attempt);
    }

    @Override
    public boolean isFenced(String claimKey, long epoch) {
      return fenced.isFenced(claimKey, epoch);
    }
  }
}
