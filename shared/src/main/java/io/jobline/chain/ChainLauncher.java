package io.jobline.chain;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobline.schedule.Schedule;
import io.jobline.store.ChainRunStore;
import io.jobline.store.ChainStore;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Trigger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Starts chain runs: on demand, or in place of a schedule's request when the schedule targets a
 * chain or lists jobs to run after its own ({@code chain}). A scheduled chain run takes the id the
 * request would have had, so a fire seen twice is still one chain run.
 */
public final class ChainLauncher {
  private static final Duration NAMES_MAX_AGE = Duration.ofSeconds(1);
  private final ChainStore chains;
  private final ChainRunStore runs;
  private final Clock clock;
  private final Runnable started;
  private volatile Set<String> names = Set.of();
  private volatile Instant namesAt;

  /** {@code started} is told when a run was created (to wake an orchestrator in this process). */
  public ChainLauncher(ChainStore chains, ChainRunStore runs, Clock clock, Runnable started) {
    this.chains = chains;
    this.runs = runs;
    this.clock = clock;
    this.started = started;
  }

  /** Creates a queued run of {@code chain}; true if it is new. */
  public boolean launch(ChainRun run) {
    boolean created = runs.create(run);
    started.run();
    return created;
  }

  /**
   * A run of a chain started by hand: the new one, or the one of that id already stored (null when
   * it was deleted between the two: there is none to answer with).
   */
  public record Launched(ChainRun run, boolean isNew) {}

  /**
   * Starts a run of a chain by hand under {@code id}; a run of that id started before (the same
   * idempotency key again) is answered as it is stored, and nothing new starts.
   */
  public Launched launchNow(String id, Chain chain, String tenantId, JsonNode params, String by) {
    ChainRun run =
        ChainRun.start(id, chain, tenantId, params, Trigger.manual(), clock.instant(), by);
    if (launch(run)) {
      return new Launched(run, true);
    }
    return new Launched(runs.find(id).orElse(null), false);
  }

  /** The chain run of this id, if one was started (read from the store). */
  public Optional<ChainRun> run(String id) {
    return runs.find(id);
  }

  /** The chain run a schedule's fire stands for, if it stands for one. */
  public Optional<ChainRun> forSchedule(Schedule s, JobRequest request) {
    Chain chain;
    if (s.chain() != null && !s.chain().isEmpty()) {
      List<String> jobs = new ArrayList<>();
      jobs.add(s.target());
      jobs.addAll(s.chain());
      chain =
          Chain.linear(
              s.jobName(), "schedule '" + s.jobName() + "': " + String.join(", then ", jobs), jobs);
    } else if (isChain(s.target())) {
      Optional<ChainStore.Declared> found = chains.find(s.target());
      if (found.isEmpty()) {
        return Optional.empty();
      }
      chain = found.get().chain();
    } else {
      return Optional.empty();
    }
    return Optional.of(
        ChainRun.start(
            request.runId().value(),
            chain,
            request.tenantId(),
            request.params(),
            request.trigger(),
            request.requestedAt() == null ? clock.instant() : request.requestedAt(),
            "scheduler"));
  }

  /**
   * Whether a fire of this schedule starts a chain run rather than a job (chain names re-read at
   * most once a second).
   */
  public boolean startsChain(Schedule s) {
    return (s.chain() != null && !s.chain().isEmpty()) || isChain(s.target());
  }

  /** Starts the chain run a scheduled request stands for; false if it is a plain job request. */
  public boolean launchIfChain(Schedule s, JobRequest request) {
    Optional<ChainRun> run = forSchedule(s, request);
    run.ifPresent(this::launch);
    return run.isPresent();
  }

  /** Whether a chain of this name exists now (read from the store). */
  public boolean exists(String name) {
    return chains.find(name).isPresent();
  }

  /** The chain of this name, if there is one now (read from the store). */
  public Optional<Chain> find(String name) {
    return chains.find(name).map(ChainStore.Declared::chain);
  }

  /** Whether a chain of this name exists (names are re-read at most once a second). */
  public boolean isChain(String name) {
    Instant now = clock.instant();
    if (namesAt == null
        || namesAt.isAfter(now)
        || Duration.between(namesAt, now).compareTo(NAMES_MAX_AGE) > 0) {
      names =
          chains.list().stream().map(d -> d.chain().name()).collect(Collectors.toUnmodifiableSet());
      namesAt = now;
    }
    return names.contains(name);
  }
}
