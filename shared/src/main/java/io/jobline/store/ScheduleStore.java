package io.jobline.store;

import io.jobline.schedule.Schedule;
import java.util.List;
import java.util.Optional;

/** Schedules ({@code job_schedules}, unique on {@code job_name}). */
public interface ScheduleStore {
  /** Creates or replaces the schedule named {@code schedule.jobName()}. */
  void save(Schedule schedule);

  Optional<Schedule> find(String jobName);

  List<Schedule> findAll();

  List<Schedule> findEnabled();

  boolean delete(String jobName);

  /** A number that changes whenever a schedule is saved or deleted, so a scheduler knows to reload. */
  long version();
}
