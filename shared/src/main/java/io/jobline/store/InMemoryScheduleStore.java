package io.jobline.store;

import io.jobline.schedule.Schedule;
import io.jobline.wire.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/** {@link ScheduleStore} in memory, for logic tests. */
public class InMemoryScheduleStore implements ScheduleStore {
  private final Map<String, Schedule> schedules = new ConcurrentSkipListMap<>();
  private final Map<String, Long> deleted = new ConcurrentSkipListMap<>();
  private final AtomicLong version = new AtomicLong();

  @Override
  public synchronized void save(Schedule schedule) {
    long v = version.incrementAndGet();
    schedules.put(schedule.jobName(), schedule.merge(Json.object().put("version", v)));
    deleted.remove(schedule.jobName());
  }

  @Override
  public synchronized boolean saveIf(Schedule schedule, Schedule read) {
    Schedule stored = schedules.get(schedule.jobName());
    if (read == null
        ? stored != null
        : stored == null || !Objects.equals(stored.version(), read.version())) {
      return false;
    }
    save(schedule);
    return true;
  }

  @Override
  public synchronized ChangeOutcome change(Schedule read, Schedule changed, boolean retimed) {
    Schedule stored = schedules.get(changed.jobName());
    if (stored == null) {
      return ChangeOutcome.GONE;
    }
    if (!Objects.equals(stored.version(), read.version())
        || (retimed && !Objects.equals(stored.nextRunAt(), read.nextRunAt()))) {
      return ChangeOutcome.MOVED;
    }
    Instant next = retimed ? changed.nextRunAt() : stored.nextRunAt();
    Schedule kept =
        changed.fired(
            stored.lastRunAt(),
            stored.lastRunId(),
            stored.lastRunStatus(),
            stored.lastFireThrough(),
            next);
    schedules.put(
        changed.jobName(), kept.merge(Json.object().put("version", version.incrementAndGet())));
    return ChangeOutcome.CHANGED;
  }

  @Override
  public synchronized boolean moveNext(Schedule read, Instant to) {
    Schedule stored = schedules.get(read.jobName());
    if (stored == null
        || !Objects.equals(stored.nextRunAt(), read.nextRunAt())
        || !Objects.equals(stored.version(), read.version())) {
      return false;
    }
    schedules.put(
        read.jobName(),
        stored.withNextRunAt(to).merge(Json.object().put("version", version.incrementAndGet())));
    return true;
  }

  @Override
  public Optional<Schedule> find(String jobName) {
    return Optional.ofNullable(schedules.get(jobName));
  }

  @Override
  public List<Schedule> findAll() {
    return new ArrayList<>(schedules.values());
  }

  @Override
  public List<Schedule> findEnabled() {
    return schedules.values().stream().filter(Schedule::enabled).toList();
  }

  @Override
  public synchronized boolean delete(String jobName) {
    long v = version.incrementAndGet();
    deleted.put(jobName, v);
    return schedules.remove(jobName) != null;
  }

  /** Writes here are atomic, so none is ever in flight. */
  @Override
  public synchronized Watermark watermark() {
    return new Watermark(version.get(), 0);
  }

  @Override
  public synchronized List<Change> changesSince(long since) {
    List<Change> out = new ArrayList<>();
    schedules.values().stream()
        .filter(s -> s.version() != null && s.version() > since)
        .forEach(s -> out.add(new Change(s.jobName(), s, s.version())));
    deleted.forEach(
        (name, v) -> {
          if (v > since) {
            out.add(new Change(name, null, v));
          }
        });
    return out;
  }

  @Override
  public synchronized void recordFires(List<Fire> fires) {
    for (Fire f : fires) {
      Schedule s = schedules.get(f.jobName());
      if (s == null) {
        continue;
      }
      schedules.put(f.jobName(), f.applyTo(s));
    }
  }
}
