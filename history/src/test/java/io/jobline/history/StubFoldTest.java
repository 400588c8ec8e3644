package io.jobline.history;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * What history keeps of a run that is over, its stub ({@link RunState#stub}), decides what the
 * run's later inputs do — which are copies, and which end the run and count — so folding any input
 * onto the stub must move the run as folding it onto the whole run does. Checked over many random
 * sequences of requests and events (seeded: the same sequences every time).
 */
class StubFoldTest {
  private static final Instant T0 = Instant.parse("2026-12-05T08:00:00Z");
  private static final EventType[] TYPES = {
    EventType.STARTED,
    EventType.COMPLETED,
    EventType.FAILED,
    EventType.CANCELLED,
    EventType.TIMED_OUT,
    EventType.RETRY_SCHEDULED,
    EventType.LOG,
    EventType.PROGRESS,
    EventType.MISSED,
    EventType.QUEUED
  };

  private final RunFold fold = new RunFold(20);

  @Test
  void foldingOntoTheStubMovesTheRunAsFoldingOntoTheWholeRun() {
    Random random = new Random(20261205);
    int compared = 0;
    int ends = 0;
    for (int trial = 0; trial < 4_000; trial++) {
      String id = "run-" + trial;
      JobRequest first = JobRequest.manual(RunId.of(id), "job", Json.object(), "t1", T0, "api");
      RunRecord whole = fold.apply(id, RunInput.of(first), null);
      RunRecord stub = null;
      for (int step = 0; step < 14; step++) {
        RunInput input = randomInput(random, first, step);
        RunRecord nextWhole = fold.apply(id, input, whole);
        if (stub != null) {
          if (RunState.holds(stub, input)) {
            assertThat(nextWhole).as("an input the stub holds changes nothing").isEqualTo(whole);
          } else {
            RunRecord nextStub = fold.apply(id, input, stub);
            String where = "trial " + trial + " step " + step + ": " + input;
            assertThat(nextStub.status()).as(where).isEqualTo(nextWhole.status());
            assertThat(nextStub.attempt()).as(where).isEqualTo(nextWhole.attempt());
            assertThat(nextStub.epoch()).as(where).isEqualTo(nextWhole.epoch());
            assertThat(nextStub.appliedSeq()).as(where).isEqualTo(nextWhole.appliedSeq());
            assertThat(nextStub.retryDueAt()).as(where).isEqualTo(nextWhole.retryDueAt());
            boolean endsWhole = endedNow(whole, nextWhole);
            assertThat(endedNow(stub, nextStub)).as(where).isEqualTo(endsWhole);
            if (endsWhole) { // what the end counts with: its times, and a failure's error
              assertThat(nextStub.startedAt()).as(where).isEqualTo(nextWhole.startedAt());
              assertThat(nextStub.completedAt()).as(where).isEqualTo(nextWhole.completedAt());
              if (nextWhole.status() != RunStatus.COMPLETED) {
                assertThat(nextStub.error()).as(where).isEqualTo(nextWhole.error());
              }
            }
            ends += endsWhole ? 1 : 0;
            compared++;
            // history keeps the stub moved on, as a stub again at its next write
            stub = random.nextBoolean() ? RunState.stub(nextStub) : nextStub;
          }
        }
        whole = nextWhole;
        if (stub == null && RunState.over(whole)) {
          stub = RunState.stub(whole);
          assertThat(RunState.isStub(stub)).isTrue();
          assertThat(RunState.isStub(whole)).isFalse();
        }
      }
    }
    assertThat(compared).as("inputs folded onto a stub").isGreaterThan(10_000);
    assertThat(ends).as("of them, ends of a run that had gone on").isGreaterThan(100);
  }

  private static RunInput randomInput(Random random, JobRequest first, int step) {
    int attempt = 1 + random.nextInt(3);
    if (random.nextInt(8) == 0) {
      return RunInput.of(attempt == 1 ? first : first.nextAttempt(attempt, T0.plusSeconds(step)));
    }
    EventType type = TYPES[random.nextInt(TYPES.length)];
    long epoch = random.nextInt(4);
    long seq = type == EventType.RETRY_SCHEDULED ? Long.MAX_VALUE : 1 + random.nextInt(6);
    ObjectNode payload = Json.object();
    switch (type) {
      case FAILED, TIMED_OUT -> {
        payload.put("error", "boom " + step);
        if (random.nextBoolean()) {
          payload.putObject("started").put("at", T0.plusSeconds(step).toString());
        }
        if (random.nextBoolean()) {
          payload
              .putObject("next_attempt")
              .put("due_at", T0.plusSeconds(60 + step).toString())
              .put("attempt", attempt + 1);
        }
      }
      case RETRY_SCHEDULED -> payload.put("next_attempt", attempt + 1);
      case LOG, PROGRESS -> payload.put("message", "step " + step).put("percentage", step);
      case COMPLETED -> {
        if (random.nextBoolean()) {
          payload.putObject("started").put("at", T0.plusSeconds(step).toString());
        }
      }
      default -> {}
    }
    return RunInput.of(
        new RunEvent(
            first.runId(),
            seq,
            type,
            T0.plusSeconds(step + 1L),
            "executor-" + epoch,
            attempt,
            epoch,
            payload));
  }

  /** As {@link HistoryProcessor} tells an end: terminal now, not before. */
  private static boolean endedNow(RunRecord before, RunRecord after) {
    return after.status() != null
        && after.status().isTerminal()
        && (before == null || before.status() == null || !before.status().isTerminal());
  }
}
