package io.jobline.store;

import io.jobline.run.RunStatus;
import io.jobline.schedule.Schedule;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Schedules ({@code job_schedules}, unique on {@code job_name}), with a change feed: every save or
 * delete takes the next value of a version counter, and a reader asks for what changed after a
 * version it has settled.
 */
public interface ScheduleStore {
  /** Creates or replaces the schedule named {@code schedule.jobName()}; it gets a new version. */
  void save(Schedule schedule);

  /**
   * Creates the schedule named {@code schedule.jobName()} if {@code read} is null and none is
   * stored, or replaces it if it is still stored as {@code read} (the same version); it gets a new
   * version. Two requests that both found a name free both created it with {@link #save}, and the
   * second replaced the first, another tenant's schedule perhaps (found by review).
   *
   * @return false, storing nothing, when a schedule of that name was created, changed or deleted
   *     since it was read
   */
  boolean saveIf(Schedule schedule, Schedule read);

  /**
   * Stores {@code changed}, a change of the schedule as {@code read}, leaving what its fires
   * recorded as it is stored now: its last run's fields, and its next fire time unless {@code
   * retimed} (a changed trigger, a resume). It is stored only while the schedule is still the
   * version read and, when retimed, still has the next fire time read: fires do not change the
   * version, so a fire recorded since the read does not stop a change that leaves the time alone,
   * but a retiming planned before a fire would set the time just fired again (a second fire), and a
   * change from an older copy would undo another change. It gets a new version.
   */
  ChangeOutcome change(Schedule read, Schedule changed, boolean retimed);

  /** What became of a {@link #change}. */
  enum ChangeOutcome {
    /** Stored. */
    CHANGED,
    /** Not stored: no schedule of that name is stored (deleted meanwhile). */
    GONE,
    /** Not stored: the schedule changed, or fired when retimed, since it was read. */
    MOVED
  }

  /**
   * Sets a schedule's next fire time to {@code to} (none when null) only while it is stored as
   * {@code read}: the same version (no change since) and the same next fire time (no fire since);
   * it gets a new version. A change that put back the next fire time read still counts: the time
   * {@code to} was planned from a definition no longer stored.
   *
   * @return false, changing nothing, when the schedule is gone, changed or fired since it was read
   */
  boolean moveNext(Schedule read, Instant to);

  Optional<Schedule> find(String jobName);

  /**
   * The schedules of these names the store holds now, in one read; a document that cannot be read
   * is left out, as {@link #changesSince} and {@link #findEnabled} leave it out.
   */
  default Map<String, Schedule> findReadable(Collection<String> jobNames) {
    Map<String, Schedule> found = new HashMap<>();
    for (String name : jobNames) {
      find(name).ifPresent(s -> found.put(name, s));
    }
    return found;
  }

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

  /**
   * The outcome of one fire, recorded without bumping the version: planned from the schedule's next
   * fire time {@code plannedFrom} at its version {@code plannedVersion} (either null: whatever is
   * stored), through the fire time {@code lastFireThrough} (null when not known: a fire recorded
   * without it).
   */
  record Fire(
      String jobName,
      Instant lastRunAt,
      String lastRunId,
      RunStatus lastRunStatus,
      Instant nextRunAt,
      Instant plannedFrom,
      Long plannedVersion,
      Instant lastFireThrough) {
    /**
     * {@code s} as recording this fire leaves it: all of it while {@code s} is still the schedule
     * it was planned from (its next fire time and version), else its last run only, when newer than
     * the one {@code s} has.
     */
    public Schedule applyTo(Schedule s) {
      if (plannedFrom == null
          || (plannedFrom.equals(s.nextRunAt())
              && (plannedVersion == null || plannedVersion.equals(s.version())))) {
        return s.fired(lastRunAt, lastRunId, lastRunStatus, lastFireThrough, nextRunAt);
      }
      if (s.lastRunAt() == null || s.lastRunAt().isBefore(lastRunAt)) {
        return s.fired(lastRunAt, lastRunId, lastRunStatus, lastFireThrough, s.nextRunAt());
      }
      return s;
    }

    /** A fire recorded whatever next fire time is stored. */
    public Fire(
        String jobName,
        Instant lastRunAt,
        String lastRunId,
        RunStatus lastRunStatus,
        Instant nextRunAt) {
      this(jobName, lastRunAt, lastRunId, lastRunStatus, nextRunAt, null, null, null);
    }

    /** A fire planned from the next fire time {@code plannedFrom}, whatever the version stored. */
    public Fire(
        String jobName,
        Instant lastRunAt,
        String lastRunId,
        RunStatus lastRunStatus,
        Instant nextRunAt,
        Instant plannedFrom) {
      this(jobName, lastRunAt, lastRunId, lastRunStatus, nextRunAt, plannedFrom, null, null);
    }
  }

  /**
   * Records fires in one batch; touches only the fire fields, so concurrent edits survive. A fire
   * planned from a next fire time ({@code plannedFrom}, the schedule's {@code next_run_at} it was
   * decided on) moves it on only while that time is stored at the version it was decided on: a
   * schedule changed since keeps its next fire time, and takes only the fire's last-run fields,
   * when the fire is newer than the last one recorded; a fire whose time was fired already (a
   * paused leader's, recorded late) changes nothing. A change whose next fire time is at or before
   * the last fire (it was planned as the fire went out: found by review, the fire then moved the
   * new trigger on to the old one's next time) is planned again by the scheduler as it reads it.
   */
  void recordFires(List<Fire> fires);
}
