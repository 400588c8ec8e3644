package io.jobline.store;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** {@link TimerStore} in memory, for logic tests. */
public final class InMemoryTimerStore implements TimerStore {
  private final Map<String, Timer> timers = new ConcurrentHashMap<>();
  private final Map<String, String> setAside = new ConcurrentHashMap<>();

  @Override
  public void set(Timer timer) {
    timers.put(timer.id(), timer);
  }

  @Override
  public List<Timer> due(Instant now, int limit) {
    return timers.values().stream()
        .filter(t -> !t.dueAt().isAfter(now))
        .sorted(Comparator.comparing(Timer::dueAt))
        .limit(limit)
        .toList();
  }

  @Override
  public Optional<Instant> earliest() {
    return timers.values().stream().map(Timer::dueAt).min(Comparator.naturalOrder());
  }

  @Override
  public void delete(String id) {
    timers.remove(id);
  }

  @Override
  public void deleteIfDue(String id, Instant dueAt) {
    timers.computeIfPresent(
        id, (k, t) -> t.dueAt().toEpochMilli() == dueAt.toEpochMilli() ? null : t);
  }

  @Override
  public boolean postpone(String id, Instant dueAt, Instant to) {
    boolean[] moved = {false};
    timers.computeIfPresent(
        id,
        (k, t) -> {
          if (t.dueAt().toEpochMilli() != dueAt.toEpochMilli()) {
            return t;
          }
          moved[0] = true;
          return new Timer(t.id(), to, t.kind(), t.request());
        });
    return moved[0];
  }

  @Override
  public void setAside(Timer timer, String reason) {
    setAside.put(timer.id(), reason);
    timers.remove(timer.id());
  }

  /** The timers set aside, by id, with their reasons. */
  public Map<String, String> setAside() {
    return Map.copyOf(setAside);
  }
}
