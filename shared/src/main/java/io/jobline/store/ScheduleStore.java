package io.jobline.store;

import io.jobline.run.RunStatus;
import io.jobline.schedule.Schedule;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Schedules ({@code job_schedules}, unique on {@code job_name}), with a change feed: every save or
 * delete takes the next value of a version counter, and a reader asks for what changed after a
 * version it has settled.
 */
public interface ScheduleStore {
  /** Creates or replaces the schedule named {@code schedule.jobName()}; it gets a new version. */
  void save(Schedule schedule);

  Optional<Schedule> find(String jobName);

  List<Schedule> findAll();

  List<Schedule> findEnabled();

  boolean delete(String jobName);

  /**
   * Where the change feed stands: the counter's value and the lowest version taken by a write that
   * has not finished yet (0 when none is in flight). Read it <em>before</em> {@link #changesSince}:
   * every version up to {@link Watermark#settled()} was then visible, so a reader that moves its
   * position only up to there can never skip a write that becomes visible after it looked.
   */
  Watermark watermark();

  /** The change feed's counter and its writes in flight. */
  record Watermark(long counter, long lowestInFlight) {
    /** The highest version below which no write is still in flight. */
    public long settled() {
      return lowestInFlight > 0 ? Math.min(counter, lowestInFlight - 1) : counter;
    }
  }

  /** A schedule saved after a version (or, with {@code schedule} null, deleted). */
  record Change(String jobName, Schedule schedule, long version) {}

  /** What was saved or deleted after {@code version} and is visible now. */
  List<Change> changesSince(long version);

  /** The outcome of one fire, recorded without bumping the version. */
  record Fire(
      String jobName,
      Instant lastRunAt,
      String lastRunId,
      RunStatus lastRunStatus,
      Instant nextRunAt,
      Long version) {
    /** A fire recorded whatever version of the schedule is stored. */
    public Fire(
        String jobName,
        Instant lastRunAt,
        String lastRunId,
        RunStatus lastRunStatus,
        Instant nextRunAt) {
      this(jobName, lastRunAt, lastRunId, lastRunStatus, nextRunAt, null);
    }
  }

  /**
   * Records fires in one batch; touches only the fire fields, so concurrent edits survive. A fire
   * decided on a {@code version} of its schedule sets the next fire time only while that version is
   * stored: a schedule changed meanwhile keeps the next fire time its change gave it, and takes
   * only the fire's last-run fields. Either only when the fire is newer than the last one recorded
   * (a paused leader's fire recorded late changes nothing).
   */
  void recordFires(List<Fire> fires);
}
