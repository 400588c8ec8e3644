package io.jobline.scheduler.chain;

import io.dropwizard.lifecycle.Managed;
import io.jobline.chain.ChainRun;
import io.jobline.chain.StepRun;
import io.jobline.run.RunStatus;
import io.jobline.scheduler.Emitter;
import io.jobline.scheduler.WakeableLoop;
import io.jobline.scheduler.lease.LeaderLease;
import io.jobline.scheduler.lease.LeaseStore;
import io.jobline.store.ChainRunStore;
import io.jobline.store.RunStore;
import io.jobline.store.TimerStore;
import io.jobline.wire.JobRequest;
import io.jobline.wire.RunId;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives chain runs, in the scheduler role. The replica holding the {@value #LEASE} lease reads the
 * active chain runs ({@code job_chain_runs_active}) each tick, looks up how their steps' runs stand
 * in history ({@code job_runs}, by id), and requests the steps that became ready. Its state lives
 * only in Mongo, and every request it sends has an id derived from (chain run, step, attempt) and
 * is sent before the state that records it is written — so a crash at any point is repaired by the
 * next tick (of this or another replica) re-sending the same ids.
 */
public final class ChainOrchestrator implements Managed {
  private static final Logger LOG = LoggerFactory.getLogger(ChainOrchestrator.class);
  static final String LEASE = "chain-orchestrator";

  /** What the orchestrator reads and writes. */
  public record Parts(
      ChainRunStore chainRuns,
      RunStore runs,
      TimerStore timers,
      LeaseStore leases,
      Emitter emitter,
      Consumer<String> cancel) {}

  private final Parts parts;
  private final Duration interval;
  private final LeaderLease lease;
  private final Clock clock;
  private final String id;
  private final WakeableLoop loop;
  private volatile boolean leader;
  private boolean reconciled;
  private long epoch;

  public ChainOrchestrator(
      Parts parts, Duration interval, Duration leaseTtl, String id, Clock clock) {
    this.parts = parts;
    this.interval = interval;
    this.lease = new LeaderLease(parts.leases(), LEASE, id, leaseTtl, clock);
    this.id = id;
    this.clock = clock;
    this.loop = new WakeableLoop("jobline-chains", this::step, lease::release);
  }

  @Override
  public void start() {
    loop.start();
  }

  /** Makes the orchestrator look at the chain runs now (one was started or cancelled). */
  public void poke() {
    loop.poke();
  }

  private Duration step() {
    try {
      tick();
    } catch (RuntimeException e) {
      LOG.warn("Chain orchestration failed; trying again in {}: {}", interval, e.toString());
    }
    return interval;
  }

  /** One pass over the active chain runs, if this replica holds the lease. */
  public synchronized void tick() {
    boolean was = leader;
    epoch = lease.acquire();
    leader = epoch > 0;
    if (leader != was) {
      LOG.info("Chain orchestrator {} {} the lease", id, leader ? "holds" : "lost");
    }
    if (!leader) {
      reconciled = false;
      return;
    }
    if (!reconciled) {
      // a crash between storing a run and marking it active would strand it: re-mark every
      // unfinished run
      parts.chainRuns().unfinished().forEach(parts.chainRuns()::create);
      reconciled = true;
    }
    for (String chainRunId : parts.chainRuns().active()) {
      if (!lease.valid()) {
        LOG.warn("Chain orchestrator {} stops: its lease may have lapsed", id);
        return;
      }
      try {
        advance(chainRunId);
      } catch (RuntimeException e) {
        LOG.warn(
            "Chain run {} could not advance; it is tried again next tick: {}",
            chainRunId,
            e.toString());
      }
    }
  }

  private void advance(String chainRunId) {
    Optional<ChainRun> found = parts.chainRuns().find(chainRunId);
    if (found.isEmpty() || found.get().status().isTerminal()) {
      parts.chainRuns().finished(chainRunId);
      return;
    }
    ChainRun run = found.get();
    List<String> watched =
        run.steps().stream().filter(s -> s.status().isActive()).map(StepRun::runId).toList();
    Map<String, RunStatus> statuses = watched.isEmpty() ? Map.of() : parts.runs().statuses(watched);
    ChainProgress.Outcome out = ChainProgress.advance(run, statuses, clock.instant());
    out.timers().forEach(parts.timers()::set);
    out.droppedTimers().forEach(parts.timers()::delete);
    send(out.requests());
    out.cancels().forEach(parts.cancel());
    if (!out.run().equals(run) && !parts.chainRuns().update(out.run(), epoch)) {
      LOG.warn(
          "Chain orchestrator {} may not write chain run {}: an orchestrator with a newer lease epoch wrote it "
              + "(if job_locks was reset by hand, restore its epoch above the runs' orchestrator_epoch)",
          id,
          chainRunId);
      return;
    }
    if (out.run().status().isTerminal()) {
      parts.chainRuns().finished(chainRunId);
      LOG.info(
          "Chain run {} of {} ended {}", chainRunId, run.chainName(), out.run().status().wire());
    }
  }

  private void send(List<JobRequest> requests) {
    if (requests.isEmpty()) {
      return;
    }
    CompletableFuture<?>[] acks =
        requests.stream().map(parts.emitter()::request).toArray(CompletableFuture[]::new);
    try {
      CompletableFuture.allOf(acks).get(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StepsNotSentException(
          runIds(requests), "interrupted while Kafka took chain steps; they are sent again", e);
    } catch (Exception e) {
      throw new StepsNotSentException(
          runIds(requests),
          "Kafka did not acknowledge chain steps; they are sent again next tick",
          e);
    }
  }

  private static List<RunId> runIds(List<JobRequest> requests) {
    return requests.stream().map(JobRequest::runId).toList();
  }

  public boolean isLeader() {
    return leader;
  }

  /** Whether its loop is running (for the health check). */
  public boolean isAlive() {
    return loop.isAlive();
  }

  @Override
  public void stop() throws InterruptedException {
    loop.stop();
  }
}
