package io.jobline.store;

import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Materialized runs ({@code job_runs}). History writes; the API reads. */
public interface RunStore {
  /**
   * Inserts or replaces each run, stamping the time it became visible; a run stored with a higher
   * {@link RunRecord#foldRank()} is kept as it is (an older state never replaces a newer one).
   *
   * @return the ids of the runs not written for that reason (an id the batch holds more than once
   *     when any of its records was not written)
   */
  Set<String> upsertAll(List<RunRecord> runs);

  Optional<RunRecord> find(String runId);

  /**
   * Those of these runs that exist, by id: as {@link #find}, in as few reads as the store allows.
   */
  default Map<String, RunRecord> findAll(Collection<String> runIds) {
    Map<String, RunRecord> out = new LinkedHashMap<>();
    for (String id : runIds) {
      find(id).ifPresent(r -> out.put(id, r));
    }
    return out;
  }

  /** The current status of each of these runs that exists. */
  Map<String, RunStatus> statuses(Collection<String> runIds);

  long countByStatus(RunStatus status);

  /**
   * How many runs of each status were requested since {@code since}: of one tenant, or of all with
   * null.
   */
  Map<RunStatus, Long> countByStatus(String tenantId, Instant since);

  /** Which runs to list. Null fields don't filter. */
  record RunQuery(
      String jobName,
      String tenantId,
      RunStatus status,
      String schedule,
      String parentRunId,
      Instant from,
      Instant to,
      boolean ascending,
      Cursor after,
      int limit,
      String chainRunId) {

    public RunQuery(
        String jobName,
        String tenantId,
        RunStatus status,
        String schedule,
        String parentRunId,
        Instant from,
        Instant to,
        boolean ascending,
        Cursor after,
        int limit) {
      this(
          jobName,
          tenantId,
          status,
          schedule,
          parentRunId,
          from,
          to,
          ascending,
          after,
          limit,
          null);
    }

    /** This query for the step runs of one chain run only. */
    public RunQuery inChainRun(String id) {
      return new RunQuery(
          jobName, tenantId, status, schedule, parentRunId, from, to, ascending, after, limit, id);
    }
  }

  /** Where a page ended: the sort key and id of its last run. */
  record Cursor(Instant requestedAt, String runId) {
    public String encode() {
      return new PageCursor(requestedAt, runId).encode();
    }

    /**
     * Reads a cursor a previous page returned.
     *
     * @throws IllegalArgumentException when it was not made by {@link #encode()}
     */
    public static Cursor decode(String text) {
      PageCursor c = PageCursor.decode(text);
      return new Cursor(c.at(), c.id());
    }
  }

  /**
   * One page of runs, newest first unless asked otherwise, stable while runs are added; each as
   * {@link RunRecord#listed}, without its params, result and log lines (found by review: a page of
   * 500 runs of a thousand log lines each was read whole, hundreds of megabytes an api request).
   */
  List<RunRecord> list(RunQuery query);

  /**
   * Every run of a job (or all, with null) requested since {@code since}, for statistics; each as
   * {@link RunRecord#listed}.
   */
  List<RunRecord> since(String jobName, String tenantId, Instant since);

  /** Deletes runs requested before {@code cutoff} (history retention); returns how many. */
  long deleteRequestedBefore(Instant cutoff);

  /** How many runs there are. */
  long count();

  /** Timing of every run, for the bench report. */
  List<RunTiming> timings();

  /** The timings of these runs only, looked up by id (no scan). */
  default List<RunTiming> timings(Collection<String> runIds) {
    Set<String> wanted = new HashSet<>(runIds);
    return timings().stream().filter(t -> wanted.contains(t.runId())).toList();
  }

  /** Which of these runs history shows as ended, looked up by id (no scan). */
  default Set<String> ended(Collection<String> runIds) {
    Set<String> out = new HashSet<>();
    statuses(runIds)
        .forEach(
            (id, status) -> {
              if (status != null && status.isTerminal()) {
                out.add(id);
              }
            });
    return out;
  }

  /** When a run was requested, started, completed and became visible here. */
  record RunTiming(
      String runId,
      Instant requestedAt,
      Instant startedAt,
      Instant completedAt,
      Instant visibleAt) {}
}
