package io.jobline.scheduler.chain;

import io.jobline.chain.ChainRun;
import io.jobline.chain.ChainStatus;
import io.jobline.chain.ChainStep;
import io.jobline.chain.OnFailure;
import io.jobline.chain.StepRun;
import io.jobline.chain.StepStatus;
import io.jobline.run.RunStatus;
import io.jobline.store.TimerStore;
import io.jobline.wire.JobRequest;
import io.jobline.wire.RunId;
import io.jobline.wire.Trigger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One step of the orchestration of a chain run, as a pure function: given the run and how its
 * steps' runs stand in history, the next state of the run and what must be sent. Everything it asks
 * for is idempotent (derived run ids, timer ids), so doing it again after a crash is harmless.
 */
final class ChainProgress {
  static final String TIMER_KIND = JobRequest.CHAIN_RETRY_TIMER;

  /** The run's next state and the side effects that lead to it. */
  record Outcome(
      ChainRun run,
      List<JobRequest> requests,
      List<TimerStore.Timer> timers,
      List<String> cancels,
      List<String> droppedTimers) {}

  private final ChainRun run;
  private final Map<String, RunStatus> statuses;
  private final Instant now;
  private final Map<String, StepRun> steps = new LinkedHashMap<>();

  /**
   * The definition's steps by name, made once a pass: found by review, looking each up along the
   * list made a pass over a chain of thousands of steps take seconds.
   */
  private final Map<String, ChainStep> definitions = new HashMap<>();

  private final List<JobRequest> requests = new ArrayList<>();
  private final List<TimerStore.Timer> timers = new ArrayList<>();
  private final List<String> cancels = new ArrayList<>();
  private final List<String> dropped = new ArrayList<>();

  private ChainProgress(ChainRun run, Map<String, RunStatus> statuses, Instant now) {
    this.run = run;
    this.statuses = statuses;
    this.now = now;
    run.steps().forEach(s -> steps.put(s.name(), s));
    run.definition().steps().forEach(d -> definitions.putIfAbsent(d.name(), d));
  }

  /** Advances {@code run} given the statuses of its steps' runs (by run id) at {@code now}. */
  static Outcome advance(ChainRun run, Map<String, RunStatus> statuses, Instant now) {
    return new ChainProgress(run, statuses, now).advance();
  }

  /** The id of the timer holding a step attempt's delayed request. */
  static String timerId(String runId) {
    return TIMER_KIND + ":" + runId;
  }

  private Outcome advance() {
    if (run.status().isTerminal()) {
      return new Outcome(run, List.of(), List.of(), List.of(), List.of());
    }
    ChainRun next =
        run.status() == ChainStatus.QUEUED && !run.cancelRequested()
            ? run.moved(ChainStatus.RUNNING, now)
            : run;
    observeEnds();
    if (run.cancelRequested()) {
      cancelRest();
    } else if (stopped()) {
      skipPending();
      dropWaitingRetries();
    } else {
      startReady();
    }
    next = next.withSteps(List.copyOf(steps.values()));
    if (steps.values().stream().allMatch(s -> s.status().isTerminal())) {
      next = next.moved(finalStatus(), now);
    }
    return new Outcome(next, requests, timers, cancels, dropped);
  }

  /** Steps whose run ended in history: completed, failed, or retried after the step's delay. */
  private void observeEnds() {
    for (StepRun s : List.copyOf(steps.values())) {
      RunStatus st = s.status().isActive() ? statuses.get(s.runId()) : null;
      if (st == null) {
        continue;
      }
      if (!st.isTerminal()) {
        if (s.status() == StepStatus.RETRYING) {
          steps.put(s.name(), s.resumed());
        }
        continue;
      }
      ChainStep def = definition(s.name());
      if (st == RunStatus.COMPLETED) {
        steps.put(s.name(), s.ended(StepStatus.COMPLETED, st, now));
      } else if (run.cancelRequested() || st == RunStatus.CANCELLED) {
        // a step's run cancelled by hand is the step cancelled, not a failure: it was retried, or
        // let what depends on it go on under on_failure continue (found by review); it stops the
        // chain as a failure that stops would
        steps.put(s.name(), s.ended(StepStatus.CANCELLED, st, now));
        if (def.onFailure() == OnFailure.RETRY && s.attempt() <= def.retries()) {
          // a pass may have set the next attempt's retry timer and then failed to record it (its
          // write refused, its process stopped): dropped, and its run cancelled should the timer
          // have fired already, or the attempt ran after the cancel (found by review)
          String nextAttempt = request(def, s.attempt() + 1).runId().value();
          dropped.add(timerId(nextAttempt));
          cancels.add(nextAttempt);
        }
      } else if (def.onFailure() == OnFailure.RETRY && s.attempt() <= def.retries()) {
        int attempt = s.attempt() + 1;
        JobRequest request = request(def, attempt);
        Instant due = now.plusSeconds(def.retryDelaySeconds());
        timers.add(
            new TimerStore.Timer(
                timerId(request.runId().value()), due, TIMER_KIND, request.withRequestedAt(due)));
        steps.put(s.name(), s.retrying(attempt, request.runId().value(), due, st));
      } else {
        steps.put(s.name(), s.ended(StepStatus.FAILED, st, now));
      }
    }
  }

  /** Cancelling: running steps are told to stop, waiting retries dropped, the rest skipped. */
  private void cancelRest() {
    for (StepRun s : List.copyOf(steps.values())) {
      if (s.status() == StepStatus.PENDING) {
        cancelIfMaybeSent(s);
        steps.put(s.name(), s.ended(StepStatus.SKIPPED, null, now));
      } else if (s.status().isActive() && !s.cancelSent()) {
        cancels.add(s.runId());
        StepRun sent = s.withCancelSent();
        if (s.status() == StepStatus.RETRYING && !statuses.containsKey(s.runId())) {
          dropped.add(timerId(s.runId()));
          sent = sent.ended(StepStatus.SKIPPED, null, now);
        }
        steps.put(s.name(), sent);
      }
    }
  }

  /** A step failed and its policy ends the chain. */
  private boolean stopped() {
    return steps.values().stream()
        .anyMatch(
            s ->
                s.status() == StepStatus.CANCELLED
                    || (s.status() == StepStatus.FAILED
                        && !definition(s.name()).failureContinues()));
  }

  /**
   * The chain stopped: a step waiting for its retry runs no more attempts, as a step not started
   * does not run (found by review: a sibling's retry was set, or kept, after another step failed
   * and stopped the chain, and ran; the chain read running until its last retry). Its timer is
   * dropped and its next attempt cancelled, should the timer have fired already.
   */
  private void dropWaitingRetries() {
    for (StepRun s : List.copyOf(steps.values())) {
      if (s.status() == StepStatus.RETRYING && !statuses.containsKey(s.runId())) {
        String timer = timerId(s.runId());
        timers.removeIf(t -> t.id().equals(timer)); // (set in this pass: never stored)
        dropped.add(timer);
        cancels.add(s.runId());
        steps.put(s.name(), s.ended(StepStatus.SKIPPED, s.runStatus(), now));
      }
    }
  }

  private void skipPending() {
    for (StepRun s : List.copyOf(steps.values())) {
      if (s.status() == StepStatus.PENDING) {
        cancelIfMaybeSent(s);
        steps.put(s.name(), s.ended(StepStatus.SKIPPED, null, now));
      }
    }
  }

  /**
   * A pending step whose dependencies all succeeded may have been sent already: its request went
   * out and the write that records it failed (or a stalled leader sent it). Its run id is known
   * (the chain run's, the step's, attempt 1), so it is cancelled too, and does not run while the
   * chain reads it skipped (found by review).
   */
  private void cancelIfMaybeSent(StepRun s) {
    ChainStep def = definition(s.name());
    if (def.dependsOn().stream().allMatch(dep -> satisfied(steps.get(dep)))) {
      cancels.add(request(def, 1).runId().value());
    }
  }

  /**
   * Requests every pending step whose dependencies all succeeded (or failed with {@code continue}).
   */
  private void startReady() {
    for (StepRun s : List.copyOf(steps.values())) {
      if (s.status() != StepStatus.PENDING) {
        continue;
      }
      ChainStep def = definition(s.name());
      boolean ready = def.dependsOn().stream().allMatch(dep -> satisfied(steps.get(dep)));
      if (ready) {
        JobRequest request = request(def, 1);
        requests.add(request);
        steps.put(s.name(), s.started(1, request.runId().value(), now));
      }
    }
  }

  private boolean satisfied(StepRun dep) {
    return dep.status() == StepStatus.COMPLETED
        || (dep.status() == StepStatus.FAILED && definition(dep.name()).failureContinues());
  }

  private ChainStatus finalStatus() {
    if (run.cancelRequested()
        || steps.values().stream().anyMatch(s -> s.status() == StepStatus.CANCELLED)) {
      return ChainStatus.CANCELLED;
    }
    if (stopped()) {
      return ChainStatus.FAILED;
    }
    boolean anyFailed = steps.values().stream().anyMatch(s -> s.status() == StepStatus.FAILED);
    return anyFailed ? ChainStatus.COMPLETED_WITH_FAILURES : ChainStatus.COMPLETED;
  }

  private ChainStep definition(String step) {
    ChainStep def = definitions.get(step);
    if (def == null) {
      throw new UnknownStepException(run.chainRunId(), step);
    }
    return def;
  }

  /**
   * The request of one attempt of a step: one executor attempt only (the step's own retry policy
   * applies), params of the chain run with the step's merged over them.
   */
  private JobRequest request(ChainStep step, int attempt) {
    RunId id = RunId.forChainStep(run.chainRunId(), step.name(), attempt);
    return new JobRequest(
        id,
        step.job(),
        step.paramsOver(run.params()),
        run.tenantId(),
        null,
        1,
        1,
        null,
        Trigger.chainStep(run.chainRunId(), step.name()),
        now,
        "chain",
        null,
        null,
        null);
  }
}
