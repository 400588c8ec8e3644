package io.jobline.store;

import io.jobline.chain.ChainRun;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link ChainRunStore} in memory, for logic tests; safe to use from several threads. As in Mongo,
 * an update writes only the status, steps and times of a run already created.
 */
public final class InMemoryChainRunStore implements ChainRunStore {
  private final Map<String, ChainRun> runs = new ConcurrentHashMap<>();
  private final Set<String> active = ConcurrentHashMap.newKeySet();
  private final Map<String, Long> epochs = new ConcurrentHashMap<>();

  @Override
  public synchronized boolean create(ChainRun run) {
    boolean created = runs.putIfAbsent(run.chainRunId(), run) == null;
    if (created || !runs.get(run.chainRunId()).status().isTerminal()) {
      active.add(run.chainRunId());
    }
    return created;
  }

  @Override
  public Optional<ChainRun> find(String chainRunId) {
    return Optional.ofNullable(runs.get(chainRunId));
  }

  @Override
  public List<ChainRun> list(Query q) {
    return runs.values().stream()
        .filter(r -> q.chainName() == null || q.chainName().equals(r.chainName()))
        .filter(r -> q.tenantId() == null || q.tenantId().equals(r.tenantId()))
        .filter(r -> q.status() == null || q.status() == r.status())
        .sorted(
            Comparator.comparing(
                    (ChainRun r) -> r.requestedAt() == null ? Instant.EPOCH : r.requestedAt())
                .thenComparing(ChainRun::chainRunId)
                .reversed())
        .limit(q.limit())
        .toList();
  }

  @Override
  public synchronized boolean update(ChainRun run, long epoch) {
    ChainRun old = runs.get(run.chainRunId());
    if (old == null || epochs.getOrDefault(run.chainRunId(), Long.MIN_VALUE) > epoch) {
      return false;
    }
    epochs.put(run.chainRunId(), epoch);
    runs.put(
        run.chainRunId(),
        new ChainRun(
            old.chainRunId(),
            old.chainName(),
            old.tenantId(),
            old.params(),
            old.definition(),
            run.status(),
            run.steps(),
            old.trigger(),
            old.requestedAt(),
            old.requestedBy(),
            run.startedAt(),
            run.endedAt(),
            old.cancelRequested()));
    return true;
  }

  @Override
  public synchronized void requestCancel(String chainRunId) {
    runs.computeIfPresent(
        chainRunId,
        (id, r) ->
            new ChainRun(
                r.chainRunId(),
                r.chainName(),
                r.tenantId(),
                r.params(),
                r.definition(),
                r.status(),
                r.steps(),
                r.trigger(),
                r.requestedAt(),
                r.requestedBy(),
                r.startedAt(),
                r.endedAt(),
                true));
  }

  @Override
  public List<String> active() {
    return List.copyOf(active);
  }

  @Override
  public void finished(String chainRunId) {
    active.remove(chainRunId);
  }

  @Override
  public List<ChainRun> unfinished() {
    return runs.values().stream().filter(r -> !r.status().isTerminal()).toList();
  }
}
