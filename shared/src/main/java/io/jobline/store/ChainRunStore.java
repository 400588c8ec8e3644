package io.jobline.store;

import io.jobline.chain.ChainRun;
import io.jobline.chain.ChainStatus;
import java.util.List;
import java.util.Optional;

/**
 * Chain runs ({@code job_chain_runs}) and the small set of those not yet ended ({@code
 * job_chain_runs_active}), which the orchestrator reads by id instead of scanning runs.
 */
public interface ChainRunStore {
  /**
   * Stores a new chain run and marks it active; a run of that id already stored is kept.
   *
   * @return false when the id existed (the same trigger seen again)
   */
  boolean create(ChainRun run);

  Optional<ChainRun> find(String chainRunId);

  /** Which chain runs to list, newest first. Null fields don't filter. */
  record Query(String chainName, String tenantId, ChainStatus status, int limit) {}

  List<ChainRun> list(Query query);

  /**
   * Saves the orchestrator's view: status, steps and times (never the cancel flag), unless an
   * orchestrator with a higher lease epoch has written the run since (a stale one, e.g. one that
   * was frozen, must not set a run back).
   *
   * @return false when refused for that reason
   */
  boolean update(ChainRun run, long epoch);

  /** Asks for the run to be cancelled; the orchestrator acts on it. */
  void requestCancel(String chainRunId);

  /** Ids of the chain runs marked active. */
  List<String> active();

  /** Unmarks a run that has ended. */
  void finished(String chainRunId);

  /** Runs not ended, found by a full read (to repair the active marks after a crash). */
  List<ChainRun> unfinished();
}
