package io.jobline.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.jobline.topic.Topics;
import io.jobline.wire.EventType;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The bench reads a run's completion from its event as the executor writes it. */
class BenchCompletionsTest {
  private static byte[] event(EventType type, Instant at) {
    RunEvent e =
        new RunEvent(
            RunId.of("run-1"),
            3,
            type,
            at,
            "executor-1",
            1,
            2,
            JsonNodeFactory.instance
                .objectNode()
                .put("type", "failed") // a payload's fields do not count as the event's
                .set("result", JsonNodeFactory.instance.objectNode().put("run_id", "other")));
    return Topics.EVENTS.valueSerde().serializer().serialize("jobline.events", e);
  }

  @Test
  void aCompletedEventGivesItsRunAndTime() {
    Instant at = Instant.parse("2026-12-04T10:15:30.123456Z");
    assertThat(BenchCompletions.Completion.of("t", event(EventType.COMPLETED, at)))
        .isEqualTo(new BenchCompletions.Completion("run-1", at));
    assertThat(BenchCompletions.Completion.of("t", event(EventType.COMPLETED, null)))
        .isEqualTo(new BenchCompletions.Completion("run-1", null));
  }

  @Test
  void anyOtherEventOrUnreadableBytesGiveNothing() {
    assertThat(BenchCompletions.Completion.of("t", event(EventType.FAILED, Instant.EPOCH)))
        .isNull();
    assertThat(BenchCompletions.Completion.of("t", event(EventType.STARTED, Instant.EPOCH)))
        .isNull();
    for (String bad :
        new String[] {
          "",
          "[]",
          "{\"type\":\"completed\"",
          "{\"type\":\"completed\",\"run_id\":\"r\",\"timestamp\":\"soon\"}",
          "{\"type\":\"completed\"}"
        }) {
      assertThat(BenchCompletions.Completion.of("t", bad.getBytes(StandardCharsets.UTF_8)))
          .as(bad)
          .isNull();
    }
    assertThat(BenchCompletions.Completion.of("t", null)).isNull();
  }
}
