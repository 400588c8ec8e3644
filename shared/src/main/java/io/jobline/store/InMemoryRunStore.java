package io.jobline.store;

import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** {@link RunStore} in memory, for logic tests. */
public final class InMemoryRunStore implements RunStore {
  private final Map<String, RunRecord> runs = new ConcurrentHashMap<>();
  private final Map<String, Instant> visible = new ConcurrentHashMap<>();
  private final Clock clock;

  public InMemoryRunStore(Clock clock) {
    this.clock = clock;
  }

  @Override
  public Set<String> upsertAll(List<RunRecord> batch) {
    Set<String> notWritten = new HashSet<>();
    batch.forEach(
        r -> {
          String id = r.runId().value();
          RunRecord stored = runs.get(id);
          if (stored == null || stored.foldRank() <= r.foldRank()) { // as the Mongo store
            runs.put(id, r);
            visible.put(id, clock.instant());
          } else {
            notWritten.add(id);
          }
        });
    return notWritten;
  }

  @Override
  public Optional<RunRecord> find(String runId) {
    return Optional.ofNullable(runs.get(runId));
  }

  @Override
  public List<RunRecord> list(RunQuery q) {
    Comparator<Place> places =
        q.ascending() ? Place.ORDER : Place.ORDER.reversed(); // as the Mongo store pages
    Comparator<RunRecord> finalOrder = Comparator.comparing(Place::of, places);
    return runs.values().stream()
        .filter(r -> q.jobName() == null || q.jobName().equals(r.jobName()))
        .filter(r -> q.tenantId() == null || q.tenantId().equals(r.tenantId()))
        .filter(r -> q.status() == null || q.status() == r.status())
        .filter(
            r ->
                q.chainRunId() == null
                    || (r.trigger() != null && q.chainRunId().equals(r.trigger().chainRunId())))
        .filter(
            r ->
                q.schedule() == null
                    || (r.trigger() != null && q.schedule().equals(r.trigger().schedule())))
        .filter(
            r ->
                q.parentRunId() == null
                    || r.parentRunId() != null && q.parentRunId().equals(r.parentRunId().value()))
        .filter(
            r ->
                q.from() == null
                    || (r.requestedAt() != null && !r.requestedAt().isBefore(q.from())))
        .filter(
            r -> q.to() == null || (r.requestedAt() != null && r.requestedAt().isBefore(q.to())))
        .filter(
            r ->
                q.after() == null
                    || places.compare(
                            Place.of(r), new Place(q.after().requestedAt(), q.after().runId()))
                        > 0)
        .sorted(finalOrder)
        .limit(q.limit())
        .map(RunRecord::listed)
        .toList();
  }

  @Override
  public List<RunRecord> since(String jobName, String tenantId, Instant since) {
    return list(
        new RunQuery(
            jobName, tenantId, null, null, null, since, null, true, null, Integer.MAX_VALUE));
  }

  @Override
  public long deleteRequestedBefore(Instant cutoff) {
    List<String> old =
        runs.values().stream()
            .filter(
                r ->
                    r.requestedAt() != null
                        ? r.requestedAt().isBefore(cutoff)
                        : visible.get(r.runId().value()) != null
                            && visible.get(r.runId().value()).isBefore(cutoff))
            .map(r -> r.runId().value())
            .toList();
    old.forEach(
        id -> {
          runs.remove(id);
          visible.remove(id);
        });
    return old.size();
  }

  @Override
  public long count() {
    return runs.size();
  }

  @Override
  public Map<String, RunStatus> statuses(Collection<String> runIds) {
    Map<String, RunStatus> out = new HashMap<>();
    runIds.forEach(
        id -> {
          RunRecord r = runs.get(id);
          if (r != null && r.status() != null) {
            out.put(id, r.status());
          }
        });
    return out;
  }

  @Override
  public long countByStatus(RunStatus status) {
    return runs.values().stream().filter(r -> r.status() == status).count();
  }

  @Override
  public Map<RunStatus, Long> countByStatus(String tenantId, Instant since) {
    Map<RunStatus, Long> out = new EnumMap<>(RunStatus.class);
    runs.values().stream()
        .filter(
            r -> r.status() != null && r.requestedAt() != null && !r.requestedAt().isBefore(since))
        .filter(r -> tenantId == null || tenantId.equals(r.tenantId()))
        .forEach(r -> out.merge(r.status(), 1L, Long::sum));
    return out;
  }

  @Override
  public List<RunTiming> timings() {
    return runs.values().stream()
        .map(
            r ->
                new RunTiming(
                    r.runId().value(),
                    r.requestedAt(),
                    r.startedAt(),
                    r.completedAt(),
                    visible.get(r.runId().value())))
        .toList();
  }

  /** Where a run stands in a listing: by request time (none counts as the epoch), then by id. */
  private record Place(Instant at, String id) {
    static final Comparator<Place> ORDER = Comparator.comparing(Place::at).thenComparing(Place::id);

    Place {
      at = at == null ? Instant.EPOCH : at;
    }

    static Place of(RunRecord r) {
      return new Place(r.requestedAt(), r.runId().value());
    }
  }
}
