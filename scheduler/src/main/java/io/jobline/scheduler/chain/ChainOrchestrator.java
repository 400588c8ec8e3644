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
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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

  /**
   * What the orchestrator reads and writes; {@code cancel} cancels a step's run by id, its one
   * executor attempt only (a retry of it asked for by hand later is not cancelled by it).
   */
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

  /**
   * How often the leader looks for unfinished runs not marked active: one stored by a request whose
   * mark then failed (its client got an error) would otherwise read queued for as long as the
   * leader lives (found by review).
   */
  static final Duration RECONCILE_EVERY = Duration.ofMinutes(1);

  private Instant reconciledAt;
  private long epoch;

  /** The chain run the next pass starts with: where the last one stopped, if it stopped early. */
  private String resumeAt;

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
      reconciledAt = null;
      return;
    }
    List<String> active = parts.chainRuns().active();
    Instant now = clock.instant();
    if (reconciledAt == null || !now.isBefore(reconciledAt.plus(RECONCILE_EVERY))) {
      // a crash (or a failed write) between storing a run and marking it active would strand it:
      // mark every unfinished run that is not
      Set<String> marked = new HashSet<>(active);
      List<ChainRun> stranded =
          parts.chainRuns().unfinished().stream()
              .filter(r -> !marked.contains(r.chainRunId()))
              .toList();
      stranded.forEach(parts.chainRuns()::create);
      reconciledAt = now;
      if (!stranded.isEmpty()) {
        active = parts.chainRuns().active();
      }
    }
    // from where the last pass stopped, round the list: a pass stops when its lease may lapse, and
    // one chain run whose steps' sends wait on Kafka (a partition without a leader) took every pass
    // from the top, so the runs after it never advanced (found by review)
    int from = resumeAt == null ? 0 : Math.max(0, active.indexOf(resumeAt));
    resumeAt = null;
    for (int i = 0; i < active.size(); i++) {
      String chainRunId = active.get((from + i) % active.size());
      if (!lease.valid()) {
        LOG.warn("Chain orchestrator {} stops: its lease may have lapsed", id);
        resumeAt = chainRunId;
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
    setTimers(out.timers());
    out.droppedTimers().forEach(parts.timers()::delete);
    Unsent unsent = send(out.requests());
    out.cancels().forEach(parts.cancel());
    // the steps Kafka took are recorded started, so they are not sent again each tick while one
    // it did not take waits (found by review: a sibling re-sent each pass could run twice); those
    // are recorded as they were, and sent again next tick
    ChainRun next = unsent.runIds().isEmpty() ? out.run() : asBefore(out.run(), run, unsent);
    if (!next.equals(run) && !parts.chainRuns().update(next, epoch)) {
      LOG.warn(
          "Chain orchestrator {} may not write chain run {}: an orchestrator with a newer lease epoch wrote it "
              + "(if job_locks was reset by hand, restore its epoch above the runs' orchestrator_epoch)",
          id,
          chainRunId);
      return;
    }
    if (!unsent.runIds().isEmpty()) {
      throw new StepsNotSentException(
          unsent.runIds(),
          "Kafka did not acknowledge chain steps; they are sent again next tick",
          unsent.cause());
    }
    if (next.status().isTerminal()) {
      parts.chainRuns().finished(chainRunId);
      LOG.info("Chain run {} of {} ended {}", chainRunId, run.chainName(), next.status().wire());
    }
  }

  /**
   * Sets the timers of the steps' next attempts, but not one whose attempt history shows: a pass
   * that set it and then could not record the step retrying (its write refused, its process
   * stopped) left it to fire, and set again it sent that attempt a second time (found by review).
   * The step is recorded retrying as that attempt all the same, and the next pass follows its run.
   */
  private void setTimers(List<TimerStore.Timer> timers) {
    if (timers.isEmpty()) {
      return;
    }
    Map<String, RunStatus> shown =
        parts.runs().statuses(timers.stream().map(t -> t.request().runId().value()).toList());
    for (TimerStore.Timer timer : timers) {
      if (shown.containsKey(timer.request().runId().value())) {
        LOG.info(
            "Chain orchestrator {} does not set timer {} again: history shows its run",
            id,
            timer.id());
      } else {
        parts.timers().set(timer);
      }
    }
  }

  /** The requests of steps Kafka did not take (to send again), and why the first was not. */
  private record Unsent(List<RunId> runIds, Throwable cause) {}

  /**
   * Sends the steps' requests and waits for each. A request Kafka refuses as such (too large, say:
   * sending it again fails again) ends its step's run failed with the reason, which the next tick
   * reads as any failed step (its retries, then its failure policy); the others it did not take are
   * returned.
   */
  private Unsent send(List<JobRequest> requests) {
    // a step whose run history shows was sent already: by an orchestrator that stopped before it
    // recorded the send (a kill -9, a lease that lapsed). Sent again, it ran twice once the
    // executor that ran it no longer remembered it (restarted, its partition moved, or 50,000 runs
    // later; found by review). Its id is its chain run's, step's and attempt's: no other has it.
    Map<String, RunStatus> shown =
        requests.isEmpty()
            ? Map.of()
            : parts.runs().statuses(requests.stream().map(r -> r.runId().value()).toList());
    List<CompletableFuture<?>> acks = new ArrayList<>();
    for (JobRequest request : requests) {
      CompletableFuture<?> ack;
      if (shown.containsKey(request.runId().value())) {
        LOG.info(
            "Chain orchestrator {} does not send run {} again: history shows it",
            id,
            request.runId().value());
        acks.add(CompletableFuture.completedFuture(null));
        continue;
      }
      try {
        ack = parts.emitter().request(request);
      } catch (RuntimeException e) {
        ack = CompletableFuture.failedFuture(e);
      }
      acks.add(ack);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    List<RunId> unsent = new ArrayList<>();
    Throwable cause = null;
    for (int i = 0; i < requests.size(); i++) {
      JobRequest request = requests.get(i);
      try {
        acks.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        requests.subList(i, requests.size()).forEach(r -> unsent.add(r.runId()));
        return new Unsent(unsent, e);
      } catch (ExecutionException | TimeoutException e) {
        Throwable why = e instanceof ExecutionException ? e.getCause() : e;
        if (!Emitter.refusedForGood(why) || !failed(request, why)) {
          unsent.add(request.runId());
          cause = cause == null ? why : cause;
        }
      }
    }
    return new Unsent(unsent, cause);
  }

  /** Ends the run of a step whose request can never be sent as failed; false if not recorded. */
  private boolean failed(JobRequest request, Throwable why) {
    String reason = "its chain step request could not be sent, and never can be: " + why;
    LOG.error("Chain orchestrator {} fails run {}: {}", id, request.runId().value(), reason);
    try {
      parts
          .emitter()
          .missed(Emitter.neverSentEnd(request, reason, id, clock.instant()))
          .get(60, TimeUnit.SECONDS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      LOG.warn("Chain orchestrator {} could not record that failure: {}", id, e.toString());
      return false;
    }
  }

  /** {@code next} with the steps of the {@code unsent} requests as they were in {@code before}. */
  private static ChainRun asBefore(ChainRun next, ChainRun before, Unsent unsent) {
    Set<String> ids = new HashSet<>();
    unsent.runIds().forEach(r -> ids.add(r.value()));
    List<StepRun> steps = new ArrayList<>();
    for (StepRun s : next.steps()) {
      StepRun was = before.step(s.name()).orElse(s);
      steps.add(s.runId() != null && ids.contains(s.runId()) && !s.equals(was) ? was : s);
    }
    return next.withSteps(steps);
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
