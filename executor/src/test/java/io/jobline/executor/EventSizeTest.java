package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.topic.Topics;
import io.jobline.wire.EventType;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** How an event over Kafka's record limit is made to fit. */
class EventSizeTest {
  private static final Instant T0 = Instant.parse("2026-12-05T12:00:00Z");
  private static final String BIG = "x".repeat(2 * 1024 * 1024);

  private static RunEvent event(EventType type, ObjectNode payload) {
    return new RunEvent(RunId.of("r1"), 3, type, T0, "exec-a", 2, 7, payload);
  }

  private static int bytes(RunEvent e) {
    return Topics.EVENTS.valueSerde().serializer().serialize(Topics.EVENTS.name(), e).length;
  }

  private static RunEvent fitted(RunEvent e) {
    RunEvent out = EventSize.fitted(e, bytes(e));
    assertThat(bytes(out)).isLessThanOrEqualTo(EventSize.MAX_BYTES);
    assertThat(out.runId()).isEqualTo(e.runId());
    assertThat(out.seq()).isEqualTo(e.seq());
    assertThat(out.attempt()).isEqualTo(e.attempt());
    assertThat(out.epoch()).isEqualTo(e.epoch());
    return out;
  }

  @Test
  void anEventThatFitsIsSentAsItIs() {
    ObjectNode payload = Json.object();
    payload.set("result", Json.object().put("text", "x".repeat(500_000)));
    RunEvent e = event(EventType.COMPLETED, payload);
    assertThat(EventSize.fitted(e, bytes(e))).isSameAs(e);
  }

  @Test
  void aCompletedRunWhoseResultCannotBeSentEndsFailedSayingWhyAndKeepsItsStart() {
    ObjectNode payload = Json.object();
    payload.set("result", Json.object().put("text", BIG));
    payload.set("started", Json.object().put("at", T0.toString()));

    RunEvent out = fitted(event(EventType.COMPLETED, payload));

    assertThat(out.type()).isEqualTo(EventType.FAILED);
    assertThat(out.payload().has("result")).isFalse();
    assertThat(out.payload().path("started").path("at").asText()).isEqualTo(T0.toString());
    assertThat(out.payload().path("error").asText())
        .startsWith("the job's result cannot be stored")
        .contains("result (" + (BIG.length() + 11) + " bytes) left out");
  }

  @Test
  void aLongErrorIsCutAndTheRetryItAnnouncesKept() {
    ObjectNode payload = Json.object().put("error", "IllegalStateException: " + BIG);
    payload.set("next_attempt", Json.object().put("attempt", 3).put("due_at", T0.toString()));

    RunEvent out = fitted(event(EventType.FAILED, payload));

    assertThat(out.type()).isEqualTo(EventType.FAILED);
    assertThat(out.payload().path("next_attempt").path("attempt").asInt()).isEqualTo(3);
    assertThat(out.payload().path("error").asText())
        .startsWith("IllegalStateException: xxx")
        .contains(" … (cut); the event was ")
        .contains("error cut from " + (BIG.length() + 23) + " characters");
  }

  @Test
  void aLongLogLineIsCutAndStaysALogLine() {
    RunEvent out = fitted(event(EventType.LOG, Json.object().put("message", BIG)));
    assertThat(out.type()).isEqualTo(EventType.LOG);
    assertThat(out.payload().path("message").asText()).hasSize(EventSize.KEPT_CHARS + 8);
  }

  @Test
  void aResultThatIsTextIsLeftOutNotCut() {
    // found by review: a text result was cut and the run read completed with a result it did not
    // return
    RunEvent out = fitted(event(EventType.COMPLETED, Json.object().put("result", BIG)));
    assertThat(out.type()).isEqualTo(EventType.FAILED);
    assertThat(out.payload().has("result")).isFalse();
  }

  @Test
  void aCutNeverSplitsASurrogatePair() {
    String text = "x".repeat(EventSize.KEPT_CHARS - 1) + "😀".repeat(600_000);
    RunEvent out = fitted(event(EventType.LOG, Json.object().put("message", text)));
    String kept = out.payload().path("message").asText();
    assertThat(kept).endsWith("x … (cut)");
  }
}
