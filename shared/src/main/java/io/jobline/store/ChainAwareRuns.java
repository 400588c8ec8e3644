package io.jobline.store;

import io.jobline.chain.ChainRun;
import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.wire.RunId;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The runs as the scheduler's overlap check sees them: a schedule whose fire started a chain run
 * has that chain run as its last run, so a run id missing from history is looked up among the chain
 * runs. Everything else is the wrapped store's.
 */
public final class ChainAwareRuns implements RunStore {
  private final RunStore runs;
  private final ChainRunStore chainRuns;

  public ChainAwareRuns(RunStore runs, ChainRunStore chainRuns) {
    this.runs = runs;
    this.chainRuns = chainRuns;
  }

  @Override
  public Optional<RunRecord> find(String runId) {
    Optional<RunRecord> run = runs.find(runId);
    return run.isPresent() ? run : chainRuns.find(runId).map(ChainAwareRuns::asRun);
  }

  /**
   * As {@link #find} for each: the runs in history in the wrapped store's few reads (the default
   * read them one by one, as the scheduler's retry timers ask for many at once), the rest looked up
   * as chain runs.
   */
  @Override
  public Map<String, RunRecord> findAll(Collection<String> runIds) {
    Map<String, RunRecord> found = new LinkedHashMap<>(runs.findAll(runIds));
    for (String id : runIds) {
      if (!found.containsKey(id)) {
        chainRuns.find(id).ifPresent(c -> found.put(id, asRun(c)));
      }
    }
    return found;
  }

  /** A chain run as a run: going until it ends, then completed, failed or cancelled. */
  private static RunRecord asRun(ChainRun c) {
    RunStatus status =
        switch (c.status()) {
          case QUEUED -> RunStatus.QUEUED;
          case RUNNING -> RunStatus.RUNNING;
          case COMPLETED, COMPLETED_WITH_FAILURES -> RunStatus.COMPLETED;
          case FAILED -> RunStatus.FAILED;
          case CANCELLED -> RunStatus.CANCELLED;
        };
    return new RunRecord(
        RunId.of(c.chainRunId()),
        c.chainName(),
        c.tenantId(),
        c.params(),
        c.trigger(),
        status,
        1,
        0,
        null,
        c.requestedAt(),
        c.startedAt(),
        c.endedAt(),
        null,
        null,
        null,
        null,
        List.of(),
        false,
        List.of(),
        null,
        Map.of(),
        null);
  }

  @Override
  public Set<String> upsertAll(List<RunRecord> batch) {
    return runs.upsertAll(batch);
  }

  /**
   * Of the runs in history, in one lookup; the ids history does not know are looked up as chain
   * runs.
   */
  @Override
  public Map<String, RunStatus> statuses(Collection<String> runIds) {
    Map<String, RunStatus> found = new HashMap<>(runs.statuses(runIds));
    for (String id : runIds) {
      if (!found.containsKey(id)) {
        chainRuns.find(id).ifPresent(c -> found.put(id, asRun(c).status()));
      }
    }
    return found;
  }

  @Override
  public long countByStatus(RunStatus status) {
    return runs.countByStatus(status);
  }

  @Override
  public Map<RunStatus, Long> countByStatus(String tenantId, Instant since) {
    return runs.countByStatus(tenantId, since);
  }

  @Override
  public List<RunRecord> list(RunQuery query) {
    return runs.list(query);
  }

  @Override
  public List<RunRecord> since(String jobName, String tenantId, Instant since) {
    return runs.since(jobName, tenantId, since);
  }

  @Override
  public long deleteRequestedBefore(Instant cutoff) {
    return runs.deleteRequestedBefore(cutoff);
  }

  @Override
  public long count() {
    return runs.count();
  }

  @Override
  public List<RunTiming> timings() {
    return runs.timings();
  }
}
