package io.jobline.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobline.run.RunOptions;
import io.jobline.run.RunRecord;
import io.jobline.run.RunStatus;
import io.jobline.wire.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What makes a request sent again under an Idempotency-Key the same request as the first. */
class SameRequestTest {
  private static JsonNode json(String text) throws Exception {
    return Json.mapper().readTree(text);
  }

  @Test
  void paramsAreTheSameWhateverTheirOrderOrTheTypeTheirNumbersReadBackAs() throws Exception {
    assertThat(
            SameRequest.sameParams(
                json("{\"a\":5,\"b\":[1,{\"c\":2.50}]}"),
                json("{\"b\":[1,{\"c\":2.5}],\"a\":5.0}")))
        .isTrue();
    assertThat(SameRequest.sameParams(json("{\"a\":5}"), Json.object().put("a", 5L))).isTrue();
    assertThat(SameRequest.sameParams(null, Json.object())).isTrue();
    assertThat(SameRequest.sameParams(json("null"), null)).isTrue();
  }

  @Test
  void otherValuesKeysOrNestingAreOtherParams() throws Exception {
    assertThat(SameRequest.sameParams(json("{\"a\":5}"), json("{\"a\":6}"))).isFalse();
    assertThat(SameRequest.sameParams(json("{\"a\":5}"), json("{\"a\":\"5\"}"))).isFalse();
    assertThat(SameRequest.sameParams(json("{\"a\":5}"), json("{\"a\":5,\"b\":1}"))).isFalse();
    assertThat(SameRequest.sameParams(json("{\"a\":[1,2]}"), json("{\"a\":[2,1]}"))).isFalse();
    assertThat(SameRequest.sameParams(null, json("{\"a\":1}"))).isFalse();
    assertThat(SameRequest.sameParams(json("{\"a\":{}}"), json("{}"))).isFalse();
  }

  @Test
  void aSecretAsTheRunKeepsItRedactedIsTheSameAsTheSecretSentAgain() throws Exception {
    JsonNode sent = json("{\"password\":\"hunter2\",\"host\":\"db\"}");
    JsonNode kept = json("{\"password\":\"[redacted]\",\"host\":\"db\"}");
    assertThat(SameRequest.sameParams(kept, sent)).isTrue();
    assertThat(SameRequest.sameParams(kept, json("{\"password\":\"x\",\"host\":\"db2\"}")))
        .isFalse();
  }

  @Test
  void theFirstFieldThatDiffersIsNamedAndNoOptionsAreTheJobsOwn() throws Exception {
    JsonNode p = json("{\"a\":1}");
    RunOptions none = new RunOptions(null, null, null, null);
    assertThat(SameRequest.differs(p, null, p, none)).isEmpty();
    assertThat(SameRequest.differs(p, null, json("{\"a\":2}"), none)).contains("params");
    assertThat(SameRequest.differs(p, null, p, new RunOptions(null, 30, null, null)))
        .contains("timeout_seconds");
    assertThat(
            SameRequest.differs(
                p, new RunOptions(null, 30, 5, null), p, new RunOptions(null, 30, 6, null)))
        .contains("retry_backoff_seconds");
    assertThat(
            SameRequest.differs(
                p, new RunOptions(null, null, 5, 60), p, new RunOptions(null, null, 5, null)))
        .contains("retry_backoff_cap_seconds");
  }

  @Test
  void aRunAsHistoryWroteItIsComparedInWhatItKeepsUntilALaterAttemptIsAskedFor() throws Exception {
    // found by review: a corrected redrive replaced the params the run keeps; the client's own
    // retry was then a 422
    JsonNode p = json("{\"a\":1}");
    RunOptions none = new RunOptions(null, null, null, null);
    RunRecord first = run(1, RunStatus.FAILED, p, new RunOptions(null, 30, null, null));
    assertThat(SameRequest.differsFromStored(first, json("{\"a\":2}"), none)).contains("params");
    assertThat(SameRequest.differsFromStored(first, p, none)).contains("timeout_seconds");
    assertThat(SameRequest.differsFromStored(first, p, new RunOptions(null, 30, null, null)))
        .isEmpty();
    // none kept (stored stripped, or folded from an event before its request): not compared
    // (found by review: an honest retry was a 422)
    assertThat(SameRequest.differsFromStored(run(1, RunStatus.FAILED, null, null), p, none))
        .isEmpty();
    assertThat(
            SameRequest.differsFromStored(
                run(1, RunStatus.RUNNING, p, null), p, new RunOptions(null, 5, null, null)))
        .isEmpty();
    // a later attempt asked for (retried, redriven corrected): replayed
    assertThat(SameRequest.differsFromStored(run(2, RunStatus.RUNNING, p, null), json("{}"), none))
        .isEmpty();
    assertThat(SameRequest.differsFromStored(run(1, RunStatus.RETRYING, p, null), json("{}"), none))
        .isEmpty();
  }

  private static RunRecord run(int attempt, RunStatus status, JsonNode params, RunOptions options) {
    return ApiRuns.run("r1", "t1", status, 0, attempt, List.of(), options, params);
  }
}
