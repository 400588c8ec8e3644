package io.jobline.scheduler.chain;

import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.scheduler.Emitter;
import io.jobline.store.RunStore;
import io.jobline.testkit.TestRuns;
import io.jobline.topic.PreparedRequest;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Takes requests the way Kafka, an executor and history together would: each becomes a running run.
 */
final class Fleet implements Emitter {
  final List<JobRequest> requests = new ArrayList<>();
  final List<String> cancels = new ArrayList<>();

  /** The runs' ends recorded with {@link #missed} (a request that can never be sent, say). */
  final List<RunEvent> recorded = new ArrayList<>();

  /** Whether history has not written the runs of the requests sent (yet). */
  boolean historyBehind;

  /** What happens first when a step's request is sent (a send that waits, say). */
  final Map<String, Runnable> onSend = new HashMap<>();

  /** Steps whose requests Kafka refuses, with what it says. */
  final Map<String, RuntimeException> refused = new HashMap<>();

  private final RunStore runs;

  Fleet(RunStore runs) {
    this.runs = runs;
  }

  @Override
  public synchronized CompletableFuture<?> send(PreparedRequest prepared) {
    JobRequest r = prepared.request();
    onSend.getOrDefault(r.trigger().step(), () -> {}).run();
    RuntimeException refusal = refused.get(r.trigger().step());
    if (refusal != null) {
      return CompletableFuture.failedFuture(refusal);
    }
    requests.add(r);
    if (!historyBehind && runs.find(r.runId().value()).isEmpty()) {
      runs.upsertAll(List.of(record(r.runId().value(), r.jobName(), RunStatus.RUNNING)));
    }
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public synchronized CompletableFuture<?> missed(RunEvent event) {
    recorded.add(event);
    if (event.type() == EventType.FAILED) {
      // (as history folds it)
      runs.upsertAll(List.of(record(event.runId().value(), "job", RunStatus.FAILED)));
    }
    return CompletableFuture.completedFuture(null);
  }

  void cancel(String runId) {
    cancels.add(runId);
  }

  /** The run of this step (its latest attempt) ends with {@code status}. */
  void end(String step, RunStatus status) {
    JobRequest r =
        requests.stream()
            .filter(q -> step.equals(q.trigger().step()))
            .reduce((a, b) -> b)
            .orElseThrow();
    runs.upsertAll(List.of(record(r.runId().value(), r.jobName(), status)));
  }

  /** The chain steps requested, in order. */
  List<String> steps() {
    return requests.stream().map(q -> q.trigger().step()).toList();
  }

  static RunRecord record(String runId, String job, RunStatus status) {
    return TestRuns.run(RunId.of(runId), job, "t1", status);
  }
}
