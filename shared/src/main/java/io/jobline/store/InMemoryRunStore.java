package io.jobline.store;

import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** {@link RunStore} in memory, for logic tests. */
public final class InMemoryRunStore implements RunStore {
  private final Map<String, RunRecord> runs = new ConcurrentHashMap<>();
  private final Map<String, java.time.Instant> visible = new ConcurrentHashMap<>();
  private final Clock clock;

  public InMemoryRunStore(Clock clock) {
    this.clock = clock;
  }

  @Override
  public void upsertAll(List<RunRecord> batch) {
    batch.forEach(r -> {
      runs.put(r.runId(), r);
      visible.put(r.runId(), clock.instant());
    });
  }

  @Override
  public Optional<RunRecord> find(String runId) {
    return Optional.ofNullable(runs.get(runId));
  }

  @Override
  public long countByStatus(RunStatus status) {
    return runs.values().stream().filter(r -> r.status() == status).count();
  }

  @Override
  public List<RunTiming> timings() {
    return runs.values().stream().map(r -> new RunTiming(r.runId(), r.requestedAt(),
        r.startedAt(), r.completedAt(), visible.get(r.runId()))).toList();
  }
}
