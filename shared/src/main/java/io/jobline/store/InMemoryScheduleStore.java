package io.jobline.store;

import io.jobline.schedule.Schedule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;

/** {@link ScheduleStore} in memory, for logic tests. */
public final class InMemoryScheduleStore implements ScheduleStore {
  private final Map<String, Schedule> schedules = new ConcurrentSkipListMap<>();
  private final AtomicLong version = new AtomicLong();

  @Override
  public void save(Schedule schedule) {
    schedules.put(schedule.jobName(), schedule);
    version.incrementAndGet();
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
  public boolean delete(String jobName) {
    version.incrementAndGet();
    return schedules.remove(jobName) != null;
  }

  @Override
  public long version() {
    return version.get();
  }
}
