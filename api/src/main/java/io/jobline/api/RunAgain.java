package io.jobline.api;

import io.jobline.run.RunRecord;
import io.jobline.store.DeadLetterStore;
import io.jobline.topic.EventProducer;
import io.jobline.topic.RequestProducer;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import java.time.Instant;
import java.util.UUID;

/** Sends a run that ended (retry, redrive) on as its next attempt. */
final class RunAgain {
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
