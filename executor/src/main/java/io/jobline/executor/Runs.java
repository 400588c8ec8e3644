package io.jobline.executor;

import io.jobline.wire.JobRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runs going on at this executor: starts each on a thread of its own under the lease it holds,
 * and reaches them when a cancel comes, a partition is lost or the executor stops. The dispatcher
 * decides what starts; this keeps what did.
 */
final class Runs {
  private static final Logger LOG = LoggerFactory.getLogger(Runs.class);

  private final RunEnvironment env;
  private final Map<TopicPartition, OwnedPartition> owned;
  private final LeaseKeeper leases;
  private final Fences fenced;
  private final ControlListener control;
  private final ExecutorService threads;
  private final Map<RunExecution, Boolean> executions = new ConcurrentHashMap<>();
  private final AtomicLong started = new AtomicLong();
  private final ClaimStore claims;
  private final Duration claimTtl;

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
    this.claims = env.parts().claims();
    this.claimTtl = Duration.ofMillis(env.settings().claimTtl.toMilliseconds());
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
    // (and the automatic retry of the last attempt cancelled: see RunningRuns#isCancelled)
    executions.keySet().stream()
        .filter(
            e ->
                e.request().runId().value().equals(runId)
                    && (e.request().attemptOrFirst() <= upToAttempt
                        || e.request().attemptOrFirst() == upToAttempt + 1
                            && e.request().isAutomaticRetry()))
        .forEach(e -> e.requestStop(StopReason.CANCEL));
  }

  /** How long a hand-over waits for an ended run's end to reach the outbox. */
  private static final Duration END_OUT_WAIT = Duration.ofSeconds(2);

  /**
   * Puts each run of {@code tp} still going under a claim of its own, as its partition goes to
   * another executor; fences one it cannot. A run that ended but whose end is not in the outbox yet
   * is waited for (up to {@link #END_OUT_WAIT}), so its end goes out with the partition's last
   * commit, or fenced.
   *
   * @return the offsets of the runs going on under claims, with their claim keys
   */
  Map<Long, String> handOver(TopicPartition tp) {
    Instant now = env.clock().instant();
    long deadline = System.nanoTime() + END_OUT_WAIT.toNanos(); // one wait for them all
    Map<Long, String> going = new HashMap<>();
    boolean fencedAny = false;
    for (RunExecution e : executions.keySet()) {
      if (!e.pending().partition().equals(tp)) {
        continue;
      }
      if (e.hasEnded()) {
        fencedAny |= !awaitEnd(e, deadline);
        continue;
      }
      if (e.underClaim()) {
        if (e.keepClaimAfterHandOver()) {
          going.put(e.pending().offset(), e.pending().claimKey()); // it runs under a claim already
        } else {
          fencedAny |= !awaitEnd(e, deadline); // it ended just now
        }
        continue;
      }
      try {
        ClaimStore.Claim claim =
            claims.claim(e.pending().claimKey(), env.executorId(), now, claimTtl);
        if (claim.outcome() == ClaimStore.Outcome.CLAIMED) {
          if (e.continueUnderClaim(claim.epoch())) {
            going.put(e.pending().offset(), e.pending().claimKey());
          } else {
            claims.release(e.pending().claimKey(), env.executorId(), claim.epoch());
            fencedAny |= !awaitEnd(e, deadline); // it ended just now
          }
          continue;
        }
      } catch (RuntimeException failed) {
        LOG.warn("Could not hand run {} over: {}", e.pending().claimKey(), failed.toString());
      }
      fenced.fence(e.pending().claimKey(), e.epoch());
      e.fence();
      fencedAny = true;
    }
    if (fencedAny) {
      // taken back under the same epoch, the partition's requests read again were taken for the
      // runs fenced here, and never ran: their offsets stayed open for good (found by review)
      leases.fenced(tp);
    }
    return going;
  }

  /**
   * Waits (until {@code deadline}, {@link System#nanoTime}) for an ended run's end to be in the
   * outbox, so it goes out with the partition's last commit; fences it if it is not (its end is
   * then dropped, and the next owner runs the request again).
   *
   * @return false if it was fenced
   */
  private boolean awaitEnd(RunExecution e, long deadline) {
    Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    if (!e.awaitEndOut(left)) {
      fenced.fence(e.pending().claimKey(), e.epoch());
      return false;
    }
    return true;
  }

  /** The offsets of the runs going on (or ending) here on {@code tp}. */
  Set<Long> offsetsOn(TopicPartition tp) {
    Set<Long> out = new HashSet<>();
    for (RunExecution e : executions.keySet()) {
      if (e.pending().partition().equals(tp)) {
        out.add(e.pending().offset());
      }
    }
    return out;
  }

  private final class Tracking implements RunningRuns {
    @Override
    public void add(RunExecution execution) {
      JobRequest r = execution.request();
      if (isCancelled(r)) {
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
