package io.jobline.api;

import io.jobline.run.RunRecord;
import io.jobline.topic.EventProducer;
import io.jobline.topic.RequestProducer;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import java.time.Instant;

/** Sends a run that ended (retry, redrive) on as its next attempt. */
final class RunAgain {
  private RunAgain() {}

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
            ended.attempt(),
            ended.epoch(),
            Json.object()
                .put("next_attempt", next.attemptOrFirst())
                .put("requested_by", by)
                .put("tenant_id", ended.tenantId())));
    requests.sendAndWait(next);
  }
}
