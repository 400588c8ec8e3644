package io.jobline.history;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobline.run.LogEntry;
import io.jobline.run.RunRecord;
import io.jobline.wire.EventType;
import io.jobline.wire.JobRequest;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import io.jobline.wire.Secrets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CarriageTest {
  private static final Instant T0 = Instant.parse("2026-12-04T10:00:00Z");
  private final RunFold fold = new RunFold(10);

  private RunRecord requested(JsonNode params) {
    return Carriage.fit(unfitted(params));
  }

  /** The run as its request folds, before {@link Carriage} looks at it. */
  private RunRecord unfitted(JsonNode params) {
    JobRequest request = JobRequest.manual(RunId.of("r1"), "noop", params, "t1", T0, "api");
    return fold.apply("r1", RunInput.of(request), null);
  }

  private RunEvent completed(JsonNode payload) {
    return new RunEvent(
        RunId.of("r1"), 1, EventType.COMPLETED, T0.plusSeconds(1), "e1", 1, 1, payload);
  }

  @Test
  void paramsAreRedactedAndCheckedWhenTheyComeWithTheRequest() {
    RunRecord run = requested(Json.object().put("password", "hunter2").put("n", 1));
    assertThat(run.params().get("password").asText()).isEqualTo(Secrets.REDACTED);
    RunRecord unstorable = requested(Json.object().put("bad\u0000key", 1));
    assertThat(unstorable.params()).isNull();
    assertThat(unstorable.logs()).extracting(LogEntry::message).anyMatch(m -> m.contains("params"));
  }

  @Test
  void paramsCarriedOverByAnEventAreTakenAsFittedButANewResultIsStillChecked() {
    RunRecord before = requested(Json.object().put("n", 1));
    RunRecord folded = fold.apply("r1", RunInput.of(completed(Json.object())), before);
    assertThat(folded.params()).as("the fold carries the params over").isSameAs(before.params());
    assertThat(Carriage.fit(folded, before).params()).isSameAs(before.params());

    // the same params object is not looked through again: what the request's fit left is kept
    JsonNode unchecked = Json.object().put("bad\u0000key", 1);
    RunRecord held = unfitted(unchecked);
    RunRecord onto = fold.apply("r1", RunInput.of(completed(Json.object())), held);
    assertThat(Carriage.fit(onto, held).params()).isSameAs(unchecked);
    // params that differ from the run's, even if equal, are looked through
    assertThat(Carriage.fit(onto, unfitted(unchecked.deepCopy())).params()).isNull();
    assertThat(Carriage.fit(onto).params()).isNull();

    JsonNode badResult = Json.object().set("r", Json.object().put("$where", 1));
    RunRecord ended =
        fold.apply("r1", RunInput.of(completed(Json.object().set("result", badResult))), before);
    assertThat(ended.result()).as("the event brought a result").isNotNull();
    RunRecord fitted = Carriage.fit(ended, before);
    assertThat(fitted.result()).isNull();
    assertThat(fitted.params()).isSameAs(before.params());
  }
}
