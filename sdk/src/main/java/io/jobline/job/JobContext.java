package io.jobline.job;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobline.run.LogEntry;
import io.jobline.wire.RunId;
import io.jobline.wire.Scope;
import java.util.ArrayList;
import java.util.List;

/**
 * What a running job sees of its run, and how it reports back. Every method is thread-safe.
 * Reporting methods never throw; to fail the run, throw from the job method.
 */
public interface JobContext {
  /** The id of this run. */
  RunId runId();

  /** The name of the job being run. */
  String jobName();

  /**
   * The run's parameters (already validated against the job's schema); an empty object when none.
   */
  JsonNode params();

  /** The tenant the run acts for, or {@code null} for system work. */
  String tenantId();

  /** The scope the run acts in. */
  Scope scope();

  /** The descendants of {@link #tenantId()} for {@code parent_tenant} scope; otherwise empty. */
  List<String> subTenantIds();

  /**
   * The tenants to act on: {@code [tenant]}, the tenant plus all descendants, or none for system
   * scope.
   */
  default List<String> iterTenantIds() {
    return switch (scope()) {
      case SYSTEM -> List.of();
      case TENANT -> tenantId() == null ? List.of() : List.of(tenantId());
      case PARENT_TENANT -> {
        var all = new ArrayList<String>();
        if (tenantId() != null) {
          all.add(tenantId());
        }
        all.addAll(subTenantIds());
        yield List.copyOf(all);
      }
    };
  }

  /** Adds an info line to the run's log. */
  void log(String message);

  /** Reports progress: a message and a percentage from 0 to 100 (clamped). */
  void progress(String message, int percentage);

  /** Adds a warning to the run's log; the job continues. */
  void warning(String message);

  /** Records a non-fatal error in the run's log; the job continues (throw to fail the run). */
  void error(String message);

  /**
   * True once the run has been asked to stop (timeout, cancel, shutdown), or once the executor's
   * lease on it has lapsed (its process stood still longer than the lease, so another executor may
   * be running it now); return soon. Ask between slices of work and once more before an effect that
   * must not happen twice: an end reached after the lease lapsed is not published, and the run goes
   * on elsewhere.
   */
  boolean shouldStop();

  /** Asks this run to stop, as a cancel would; {@link #shouldStop()} becomes true. */
  void requestStop();

  /**
   * The log lines this run has written so far, oldest first: the last 10,000 of them, so that a job
   * logging once per record of a large batch does not keep them all (the run's log, as history
   * stores it, is not cut by this).
   */
  List<LogEntry> getLogs();

  /**
   * The fencing token of this execution: it grows each time another executor takes the run over.
   * Pass it to side effects so a stale execution's writes can be refused.
   */
  long epoch();

  /** Which attempt of the run this is: 1 for the first, one more for each retry. */
  default int attempt() {
    return 1;
  }
}
