package io.jobline.store;

import io.jobline.schedule.Schedule;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Schedules ({@code job_schedules}, unique on {@code job_name}). */
public interface ScheduleStore {
  /** Creates or replaces the schedule named {@code schedule.jobName()}; it gets a new version. */
  void save(Schedule schedule);

  Optional<Schedule> find(String jobName);

  List<Schedule> findAll();

  List<Schedule> findEnabled();

  boolean delete(String jobName);

  /** A number that grows whenever a schedule is saved or deleted, so a scheduler knows to reload. */
  long version();

  /** A schedule saved after a version (or, with {@code schedule} null, deleted). */
  record Change(String jobName, Schedule schedule, long version) {}

  /** What was saved or deleted after {@code version}. */
  List<Change> changesSince(long version);

  /** The outcome of one fire, recorded without bumping the version. */
  record Fire(String jobName, Instant lastRunAt, String lastRunId, String lastRunStatus, Instant nextRunAt) {}

  /** Records fires in one batch; touches only the fire fields, so concurrent edits survive. */
  void recordFires(List<Fire> fires);
}
