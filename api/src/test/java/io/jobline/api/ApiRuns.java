package io.jobline.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobline.run.Attempt;
import io.jobline.run.LogEntry;
import io.jobline.run.RunOptions;
import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.store.CatalogueStore;
import io.jobline.store.ChainRunStore;
import io.jobline.store.DeadLetterStore;
import io.jobline.store.RunStore;
import io.jobline.wire.RunId;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Run records for the api's tests: a {@code sleep} run with progress lines and attempts. */
final class ApiRuns {
  private ApiRuns() {}

  /**
   * The runs routes over these stores (any may be null) with no producers: anything sent would fail
   * the test with a NullPointerException.
   */
  static RunsResource resource(
      RunStore runs,
      CatalogueStore catalogue,
      AcceptedRuns accepted,
      DeadLetterStore letters,
      ChainRunStore chainRuns) {
    return new RunsResource(
        runs,
        null,
        null,
        null,
        null,
        catalogue,
        null,
        null,
        accepted,
        letters,
        chainRuns,
        Clock.systemUTC());
  }

  /**
   * Run {@code id} of {@code tenant}, requested and started at the epoch and ended 9 s later if
   * {@code status} is terminal, with {@code lines} progress lines (line i at i × 10 %).
   */
  static RunRecord run(
      String id, String tenant, RunStatus status, int lines, int attempt, List<Attempt> attempts) {
    return run(id, tenant, status, lines, attempt, attempts, null);
  }

  /** As {@link #run(String, String, RunStatus, int, int, List)}, its request having asked these. */
  static RunRecord run(
      String id,
      String tenant,
      RunStatus status,
      int lines,
      int attempt,
      List<Attempt> attempts,
      RunOptions options) {
    return run(id, tenant, status, lines, attempt, attempts, options, null);
  }

  /** As {@link #run(String, String, RunStatus, int, int, List, RunOptions)}, with these params. */
  static RunRecord run(
      String id,
      String tenant,
      RunStatus status,
      int lines,
      int attempt,
      List<Attempt> attempts,
      RunOptions options,
      JsonNode params) {
    return run(id, tenant, status, lines, attempt, attempts, options, params, null);
  }

  /** As {@link #run(String, String, RunStatus, int, int, List, RunOptions, JsonNode)}, ended so. */
  static RunRecord run(
      String id,
      String tenant,
      RunStatus status,
      int lines,
      int attempt,
      List<Attempt> attempts,
      RunOptions options,
      JsonNode params,
      String error) {
    List<LogEntry> logs = new ArrayList<>();
    for (int i = 1; i <= lines; i++) {
      logs.add(new LogEntry(Instant.EPOCH.plusSeconds(i), "info", "line " + i, i * 10));
    }
    return new RunRecord(
        RunId.of(id),
        "sleep",
        tenant,
        params,
        null,
        status,
        attempt,
        1,
        "executor-1",
        Instant.EPOCH,
        Instant.EPOCH,
        status.isTerminal() ? Instant.EPOCH.plusSeconds(9) : null,
        null,
        error,
        null,
        null,
        logs,
        false,
        attempts,
        null,
        null,
        options);
  }
}
