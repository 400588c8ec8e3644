package io.jobline.api;

import io.jobline.chain.ChainRun;
import io.jobline.chain.OnFailure;
import io.jobline.run.RunRecord;
import io.jobline.store.ChainRunStore;
import io.jobline.store.DeadLetterStore;
import io.jobline.topic.EventProducer;
import io.jobline.topic.RequestProducer;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import io.jobline.wire.Trigger;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Sends a run that ended (retry, redrive) on as its next attempt. */
final class RunAgain {
  private static final Logger LOG = LoggerFactory.getLogger(RunAgain.class);

  private RunAgain() {}

  /**
   * Runs {@code send} (the sending of attempt {@code attempt} of {@code runId}) holding that
   * attempt's reservation ({@link DeadLetterStore#reserveAttempt}); 409 naming {@code field} when
   * another retry or redrive holds it. A send that fails gives the reservation back, so the attempt
   * can be asked for again.
   */
  static void reserved(
      DeadLetterStore letters,
      String runId,
      int attempt,
      Instant now,
      String field,
      Runnable send) {
    String token = UUID.randomUUID().toString();
    if (!letters.reserveAttempt(runId, attempt, token, now)) {
      throw new ApiException(
          409,
          "Run cannot be run again",
          "attempt "
              + attempt
              + " of run '"
              + runId
              + "' was asked for a moment ago (by a retry or a redrive); look at the run again",
          field,
          null);
    }
    try {
      send.run();
    } catch (RuntimeException e) {
      try {
        letters.releaseAttempt(runId, attempt, token);
      } catch (RuntimeException notGivenBack) {
        // (the send's failure is the answer; the reservation lapses after RESERVATION_HELD)
        e.addSuppressed(notGivenBack);
      }
      throw e;
    }
    try {
      letters.attemptSent(runId, attempt, token);
    } catch (RuntimeException e) {
      // (sent all the same: the answer is the send's; unmarked, the reservation holds for
      // RESERVATION_HELD, as before marks were kept)
      LOG.warn(
          "Attempt {} of run {} was sent, but its reservation could not be marked so: {}",
          attempt,
          runId,
          e.toString());
    }
  }

  /**
   * 409 (naming {@code field}) for a run that is a step of a chain run still going whose definition
   * retries it ({@code on_failure: retry}), or that the chain has yet to see end: the chain runs
   * each attempt as a run of its own, so running this one again by hand (a retry, a redrive) ran
   * the step twice, and the chain never saw it; or, read by the chain as still going, went on as if
   * it had passed (found by review). {@code chainRuns} null: no chains to ask.
   */
  static void notAStepTheChainRetries(ChainRunStore chainRuns, RunRecord run, String field) {
    Trigger t = run.trigger();
    if (chainRuns == null || t == null || t.chainRunId() == null || t.step() == null) {
      return;
    }
    Optional<ChainRun> going =
        chainRuns
            .find(t.chainRunId())
            .filter(c -> !c.status().isTerminal())
            .filter(
                c ->
                    c.definition()
                            .step(t.step())
                            .map(step -> step.onFailure() == OnFailure.RETRY)
                            .orElse(false)
                        || c.step(t.step()).map(step -> step.status().isActive()).orElse(false));
    if (going.isPresent()) {
      throw new ApiException(
          409,
          "Cannot be run again",
          "run '"
              + run.runId().value()
              + "' is step '"
              + t.step()
              + "' of chain run '"
              + t.chainRunId()
              + "', which is still "
              + going.get().status().wire()
              + " and counts on that step (it runs it again itself under on_failure: retry, or"
              + " has yet to see this run end); cancel the chain run first, or run this again"
              + " once the chain run has ended",
          field,
          null);
    }
  }

  /**
   * 409 naming run_id if {@code next} could not be run (an executor would refuse it): a run that
   * used its {@link io.jobline.wire.WireLimits#MAX_ATTEMPTS} attempts, say, was answered 202 and
   * then failed at the executor (found by review).
   */
  static void carriable(JobRequest next, String runId) {
    next.violation()
        .ifPresent(
            v -> {
              throw new ApiException(
                  409,
                  "Run cannot be run again",
                  "attempt "
                      + next.attemptOrFirst()
                      + " of run '"
                      + runId
                      + "' cannot be run: "
                      + v.path()
                      + " "
                      + v.reason(),
                  "run_id",
                  null);
            });
  }

  /**
   * Sends {@code next} (the attempt after {@code ended}'s) once history has been told the run goes
   * on: the event must be on the topic before the request, as an executor may start the new attempt
   * at once and history would refuse its start while the run still reads ended.
   */
  static void send(
      EventProducer events,
      RequestProducer requests,
      RunRecord ended,
      JobRequest next,
      String by,
      Instant now) {
    events.sendAndWait(
        new RunEvent(
            ended.runId(),
            Long.MAX_VALUE,
            EventType.RETRY_SCHEDULED,
            now,
            "api",
            Math.max(1, ended.attempt()), // (history sets an event of attempt 0 aside)
            ended.epoch(),
            Json.object()
                .put("next_attempt", next.attemptOrFirst())
                .put("requested_by", by)
                .put("tenant_id", ended.tenantId())));
    requests.sendAndWait(next);
  }
}
