package io.jobline.history;

import static org.assertj.core.api.Assertions.assertThat;

import io.dropwizard.util.Duration;
import io.jobline.run.JobStats;
import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.store.InMemoryRunStore;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A run that is over is a stub in history's state ({@link RunState#stub}); MongoDB may hold more of
 * it than the state after a crash between a write and its commit. Whatever comes for the run then
 * is counted from what was committed — the stub — never from what MongoDB shows.
 */
class OverRunsCrashTest {
  private static final Instant T0 = Instant.parse("2026-12-04T10:00:00Z");
  private static final RunId ID = RunId.of("r");
  private final InMemoryRunStore stored = new InMemoryRunStore(Clock.systemUTC());

  /** A task that folded attempt 1 of the run to {@code end} and committed. */
  private ProcessorHarness attemptOneEnded(JobRequest request, EventType end) {
    ProcessorHarness first = task(T0);
    first.processor.init(first.context);
    first.input(request, 0);
    first.input(event(1, EventType.STARTED, 1, 1, T0.plusSeconds(1)), 0);
    first.input(event(2, end, 1, 1, T0.plusSeconds(2)), 1);
    first.commit();
    return first;
  }

  /** A copy of the state {@code task} committed last, kept while the task goes on. */
  private ProcessorHarness committedStateOf(ProcessorHarness task) {
    ProcessorHarness committed = task(T0);
    committed.stateOf(task);
    return committed;
  }

  /** The task started again at {@code now} from {@code committed}'s state (after a crash). */
  private ProcessorHarness restartedFrom(ProcessorHarness committed, Instant now) {
    ProcessorHarness next = task(now);
    next.stateOf(committed);
    next.processor.init(next.context);
    return next;
  }

  private ProcessorHarness task(Instant now) {
    HistorySettings settings = new HistorySettings();
    settings.statsInterval = Duration.milliseconds(0);
    return new ProcessorHarness(settings, now, () -> false, stored);
  }

  /**
   * Attempt 1 fails and the run is over (committed: a stub). A retry by hand runs attempt 2 to its
   * end; that write reaches MongoDB, and a crash undoes its commit. Folded again from the stub, the
   * second attempt's end counts, once: MongoDB showing it already does not make it a copy.
   */
  @Test
  void aRetryByHandsEndACrashUndidTheCommitOfCountsOnceWhenFoldedAgain() {
    JobRequest request = JobRequest.manual(ID, "settle", Json.object(), "t1", T0, "api");
    ProcessorHarness first = attemptOneEnded(request, EventType.FAILED);
    ProcessorHarness committed = committedStateOf(first);
    assertThat(RunState.isStub(committed.state("r"))).isTrue();

    Instant retried = T0.plusSeconds(60);
    first.at(retried);
    retry(first, request, retried);
    first.commit();
    assertThat(completed(first)).isEqualTo(1);
    assertThat(stored.find("r").orElseThrow().attempts()).hasSize(2);

    ProcessorHarness next = restartedFrom(committed, retried.plusSeconds(5));
    retry(next, request, retried);
    next.commit();

    assertThat(completed(next)).as("attempt 2's end, counted again once").isEqualTo(1);
    assertThat(failed(next)).as("attempt 1's end, counted before the crash").isEqualTo(1);
    RunRecord run = stored.find("r").orElseThrow();
    assertThat(run.status()).isEqualTo(RunStatus.COMPLETED);
    assertThat(run.attempts())
        .extracting(a -> a.status())
        .containsExactly(RunStatus.FAILED, RunStatus.COMPLETED);
  }

  /**
   * An execution taken over (epoch 1) ends the run; the one that took it over (epoch 2) ends later,
   * which changes nothing and counts nothing. Its fold reaches MongoDB and a crash undoes the
   * commit: folded again from the stub, it counts nothing still, though MongoDB shows an end of
   * that attempt and epoch as applied.
   */
  @Test
  void theTakingOverExecutionsEndACrashUndidTheCommitOfCountsNothingWhenFoldedAgain() {
    ProcessorHarness first =
        attemptOneEnded(
            JobRequest.manual(ID, "settle", Json.object(), "t1", T0, "api"), EventType.COMPLETED);
    ProcessorHarness committed = committedStateOf(first);
    assertThat(completed(first)).isEqualTo(1);

    Instant later = T0.plusSeconds(40);
    first.at(later);
    first.input(event(1, EventType.STARTED, 1, 2, later), 2);
    first.input(event(2, EventType.COMPLETED, 1, 2, later.plusSeconds(1)), 3);
    first.commit();
    assertThat(stored.find("r").orElseThrow().appliedSeq()).containsEntry("1:2", 2L);

    ProcessorHarness next = restartedFrom(committed, later.plusSeconds(5));
    next.input(event(1, EventType.STARTED, 1, 2, later), 2);
    next.input(event(2, EventType.COMPLETED, 1, 2, later.plusSeconds(1)), 3);
    next.commit();

    assertThat(completed(next)).as("the run's one end").isEqualTo(1);
    assertThat(stored.find("r").orElseThrow().status()).isEqualTo(RunStatus.COMPLETED);
  }

  /**
   * As above, but the task folding the inputs again commits after the retry's announcement (its
   * commit interval, or a full batch): the state keeps the stub moved on by the announcement, not
   * the run MongoDB holds (which shows attempt 2 ended already), so attempt 2's end, when it comes
   * again, still counts.
   */
  @Test
  void aRetryByHandFoldedAgainAcrossSeveralCommitsCountsItsEndOnce() {
    JobRequest request = JobRequest.manual(ID, "settle", Json.object(), "t1", T0, "api");
    ProcessorHarness first = attemptOneEnded(request, EventType.FAILED);
    ProcessorHarness committed = committedStateOf(first);
    Instant retried = T0.plusSeconds(60);
    first.at(retried);
    retry(first, request, retried);
    first.commit();

    ProcessorHarness next = restartedFrom(committed, retried.plusSeconds(5));
    next.input(announcement(retried), 2);
    next.commit();
    assertThat(RunState.isStub(next.state("r"))).isTrue();
    assertThat(next.state("r").status()).isEqualTo(RunStatus.RETRYING);
    next.input(request.nextAttempt(3, retried), 1);
    next.commit();
    next.input(event(1, EventType.STARTED, 2, 1, retried.plusSeconds(1)), 3);
    next.commit();
    next.input(event(2, EventType.COMPLETED, 2, 1, retried.plusSeconds(2)), 4);
    next.commit();

    assertThat(completed(next)).as("attempt 2's end, counted again once").isEqualTo(1);
    assertThat(failed(next)).isEqualTo(1);
    assertThat(next.state("r").status()).isEqualTo(RunStatus.COMPLETED);
    RunRecord run = stored.find("r").orElseThrow();
    assertThat(run.attempts())
        .extracting(a -> a.status())
        .containsExactly(RunStatus.FAILED, RunStatus.COMPLETED);
  }

  /**
   * A run the state does not hold, ended and written by a commit a crash undid: its end comes again
   * with a copy of it (the partition's new owner published it again) in one stretch between writes.
   * It counts once.
   */
  @Test
  void anEndAndItsCopyFoldedAgainInOneStretchCountOnce() {
    ProcessorHarness first = task(T0);
    first.processor.init(first.context);
    first.quickEnd("r", T0, 0);
    first.request("r", T0, 0);
    first.commit();
    assertThat(completedOf(first, "noop")).isEqualTo(1);

    ProcessorHarness next = task(T0.plusSeconds(5));
    next.processor.init(next.context);
    next.quickEnd("r", T0, 0);
    next.quickEnd("r", T0, 1);
    next.request("r", T0, 0);
    next.commit();

    assertThat(completedOf(next, "noop")).isEqualTo(1);
  }

  /**
   * A run that is over, deleted from MongoDB since (the job-run retention), gets a late event: it
   * is not written again from what the stub holds.
   */
  @Test
  void aLateEventForARunMongoDbNoLongerHoldsWritesNothing() {
    ProcessorHarness task = task(T0);
    task.processor.init(task.context);
    task.input(JobRequest.manual(ID, "settle", Json.object(), "t1", T0, "api"), 0);
    task.input(event(1, EventType.STARTED, 1, 1, T0.plusSeconds(1)), 0);
    task.input(event(2, EventType.COMPLETED, 1, 1, T0.plusSeconds(2)), 1);
    task.commit();
    assertThat(stored.deleteRequestedBefore(T0.plusSeconds(1))).isEqualTo(1);

    task.at(T0.plusSeconds(50));
    task.input(event(1, EventType.STARTED, 1, 2, T0.plusSeconds(50)), 2);
    task.commit();

    assertThat(stored.find("r")).isEmpty();
    assertThat(completed(task)).isEqualTo(1);
    assertThat(task.state("r").appliedSeq()).containsEntry("1:2", 1L);
  }

  private static RunEvent announcement(Instant at) {
    return new RunEvent(
        ID,
        Long.MAX_VALUE,
        EventType.RETRY_SCHEDULED,
        at,
        "api",
        1,
        1,
        Json.object().put("next_attempt", 2).put("requested_by", "ops"));
  }

  private static long completedOf(ProcessorHarness task, String job) {
    return task.statsWrites.stream()
        .flatMap(List::stream)
        .filter(s -> s.counts() != null)
        .mapToLong(s -> s.counts().getOrDefault("completed", 0L))
        .max()
        .orElse(0);
  }

  /**
   * A retry by hand whose attempt 2 fails with a retry to come, and attempt 3 completes: written,
   * then a crash undoes the commit. Folded again from the stub (with a commit after each input),
   * each end counts once, as what it was — MongoDB's run shows attempt 3 completed throughout.
   */
  @Test
  void twoEndsOfARetryByHandFoldedAgainCountAsWhatEachWas() {
    JobRequest request = JobRequest.manual(ID, "settle", Json.object(), "t1", T0, "api");
    ProcessorHarness first = attemptOneEnded(request, EventType.FAILED);
    ProcessorHarness committed = committedStateOf(first);
    Instant retried = T0.plusSeconds(60);
    first.at(retried);
    List<Object[]> again = retryTwice(request, retried);
    again.forEach(i -> feed(first, i));
    first.commit();
    assertThat(stored.find("r").orElseThrow().attempts()).hasSize(3);

    ProcessorHarness next = restartedFrom(committed, retried.plusSeconds(30));
    for (Object[] input : again) {
      feed(next, input);
      next.commit();
    }

    assertThat(failed(next)).as("attempts 1 and 2").isEqualTo(2);
    assertThat(completed(next)).as("attempt 3").isEqualTo(1);
    JobStats job = lastStats(next);
    assertThat(job.durations()).as("each end timed").hasSize(3);
    assertThat(job.lastFailure().error()).isEqualTo("attempt 2 failed");
  }

  /**
   * Attempt 2 (retry by hand) failing with attempt 3 due, attempt 3 completing: each input with the
   * offset it is read at.
   */
  private static List<Object[]> retryTwice(JobRequest request, Instant at) {
    JobRequest second = request.nextAttempt(3, at);
    return List.of(
        new Object[] {announcement(at), 2L},
        new Object[] {second, 1L},
        new Object[] {event(1, EventType.STARTED, 2, 1, at.plusSeconds(1)), 3L},
        new Object[] {
          new RunEvent(
              ID,
              2,
              EventType.FAILED,
              at.plusSeconds(2),
              "executor-1",
              2,
              1,
              Json.object()
                  .put("error", "attempt 2 failed")
                  .set(
                      "next_attempt",
                      Json.object()
                          .put("attempt", 3)
                          .put("due_at", at.plusSeconds(10).toString()))),
          4L
        },
        new Object[] {
          new RunEvent(
              ID,
              3,
              EventType.RETRY_SCHEDULED,
              at.plusSeconds(2),
              "executor-1",
              2,
              1,
              Json.object().put("next_attempt", 3)),
          5L
        },
        new Object[] {second.nextAttempt(3, at.plusSeconds(10)), 2L},
        new Object[] {event(1, EventType.STARTED, 3, 1, at.plusSeconds(11)), 6L},
        new Object[] {event(2, EventType.COMPLETED, 3, 1, at.plusSeconds(13)), 7L});
  }

  /**
   * A run history holds no state of (its events came before its request) fails with a retry to
   * come, in one stretch; the write reaches MongoDB (the run reads retrying) and a crash undoes the
   * commit. Folded again, that failure is an end MongoDB shows in the attempt, not as the run's
   * status: it counts once all the same (found by review: it counted nothing, and the restarted
   * task's statistics lost it).
   */
  @Test
  void aFailureWithARetryToComeACrashUndidTheCommitOfCountsOnceWhenFoldedAgain() {
    Instant due = T0.plusSeconds(30);
    Object[][] stretch = {
      {event(1, EventType.STARTED, 1, 1, T0.plusSeconds(1)), 0L},
      {
        new RunEvent(
            ID,
            2,
            EventType.FAILED,
            T0.plusSeconds(2),
            "executor-1",
            1,
            1,
            Json.object()
                .put("error", "boom")
                .put("job_name", "settle")
                .put("tenant_id", "t1")
                .set(
                    "next_attempt", Json.object().put("attempt", 2).put("due_at", due.toString()))),
        1L
      },
      {event(3, EventType.RETRY_SCHEDULED, 1, 1, T0.plusSeconds(2)), 2L},
    };
    ProcessorHarness first = task(T0);
    first.processor.init(first.context);
    ProcessorHarness committed = committedStateOf(first);
    for (Object[] input : stretch) {
      feed(first, input);
    }
    first.commit();
    assertThat(failed(first)).isEqualTo(1);
    assertThat(stored.find("r").orElseThrow().status()).isNotEqualTo(RunStatus.FAILED);

    ProcessorHarness next = restartedFrom(committed, T0.plusSeconds(5));
    for (Object[] input : stretch) {
      feed(next, input);
    }
    next.commit();

    assertThat(failed(next)).as("attempt 1's failure, counted again once").isEqualTo(1);
  }

  private static void feed(ProcessorHarness task, Object[] input) {
    if (input[0] instanceof JobRequest r) {
      task.input(r, (Long) input[1]);
    } else {
      task.input((RunEvent) input[0], (Long) input[1]);
    }
  }

  /** Job settle's statistics as the task last wrote them. */
  private static JobStats lastStats(ProcessorHarness task) {
    return task.statsWrites.get(task.statsWrites.size() - 1).stream()
        .filter(s -> s.tenantId() == null)
        .findFirst()
        .orElseThrow();
  }

  /** Attempt 2 of the run, as a retry by hand sends it, from its announcement to its end. */
  private static void retry(ProcessorHarness task, JobRequest request, Instant at) {
    task.input(announcement(at), 2);
    task.input(request.nextAttempt(3, at), 1);
    task.input(event(1, EventType.STARTED, 2, 1, at.plusSeconds(1)), 3);
    task.input(event(2, EventType.COMPLETED, 2, 1, at.plusSeconds(2)), 4);
  }

  private static RunEvent event(long seq, EventType type, int attempt, long epoch, Instant at) {
    return new RunEvent(ID, seq, type, at, "executor-1", attempt, epoch, Json.object());
  }

  private static long completed(ProcessorHarness task) {
    return count(task, "completed");
  }

  private static long failed(ProcessorHarness task) {
    return count(task, "failed");
  }

  /** How many runs of job settle ended so, as the task's last statistics write says. */
  private static long count(ProcessorHarness task, String status) {
    assertThat(task.statsWrites).isNotEmpty();
    List<JobStats> last = task.statsWrites.get(task.statsWrites.size() - 1);
    return last.stream()
        .map(s -> s.counts())
        .filter(c -> c != null)
        .mapToLong(c -> c.getOrDefault(status, 0L))
        .max()
        .orElse(0);
  }
}
