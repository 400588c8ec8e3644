package io.jobline.executor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.wire.EventType;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Keeps a run event within what Kafka takes in one record. A job's result, a log line or an error
 * message has no bound of its own; an event over the producer's 1 MB made Kafka refuse the whole
 * transaction, which voided every end in it, and the runs were read and run again, for ever.
 */
final class EventSize {
  /** The largest event sent: under the producer's 1 MB, with room for the record's key and rest. */
  static final int MAX_BYTES = 900 * 1024;

  /** What is kept of a text field cut to fit. */
  static final int KEPT_CHARS = 16 * 1024;

  private EventSize() {}

  /**
   * {@code event} as it can be sent, given that it serializes to {@code bytes} bytes: itself if it
   * fits, else with its largest payload fields cut (text) or left out (anything else), a note in
   * its error saying so, until it fits. A run that completed with a result left out ends failed:
   * what it returned cannot be stored.
   */
  static RunEvent fitted(RunEvent event, int bytes) {
    if (bytes <= MAX_BYTES || !(event.payload() instanceof ObjectNode payload)) {
      return event;
    }
    record Field(String name, int bytes) {}
    List<Field> fields = new ArrayList<>();
    for (Map.Entry<String, JsonNode> f : payload.properties()) {
      fields.add(new Field(f.getKey(), size(f.getValue())));
    }
    fields.sort(Comparator.comparingInt(Field::bytes).reversed());
    ObjectNode fitted = payload.deepCopy();
    List<String> notes = new ArrayList<>();
    boolean resultLeftOut = false;
    long total = bytes;
    for (Field f : fields) {
      if (total <= MAX_BYTES) {
        break;
      }
      JsonNode value = fitted.get(f.name());
      // (a result is never cut: a run would read completed with a result it did not return)
      JsonNode smaller =
          value.isTextual() && value.asText().length() > KEPT_CHARS && !f.name().equals("result")
              ? Json.mapper().getNodeFactory().textNode(cut(value.asText()) + " … (cut)")
              : null;
      if (smaller == null) {
        fitted.remove(f.name());
        resultLeftOut |= f.name().equals("result");
        notes.add(f.name() + " (" + f.bytes() + " bytes) left out");
        total -= f.bytes();
      } else {
        fitted.set(f.name(), smaller);
        notes.add(f.name() + " cut from " + value.asText().length() + " characters");
        total -= f.bytes() - size(smaller);
      }
    }
    EventType type = event.type();
    String note =
        "the event was "
            + bytes
            + " bytes, over the "
            + MAX_BYTES
            + " Kafka takes in one record: "
            + String.join(", ", notes);
    if (resultLeftOut && type == EventType.COMPLETED) {
      type = EventType.FAILED;
      note = "the job's result cannot be stored: " + note;
    }
    String error = fitted.path("error").asText("");
    fitted.put("error", error.isEmpty() ? note : error + "; " + note);
    return new RunEvent(
        event.runId(),
        event.seq(),
        type,
        event.timestamp(),
        event.executorId(),
        event.attempt(),
        event.epoch(),
        fitted);
  }

  /** The first {@link #KEPT_CHARS} characters of {@code text}, not splitting a surrogate pair. */
  private static String cut(String text) {
    int end = Character.isHighSurrogate(text.charAt(KEPT_CHARS - 1)) ? KEPT_CHARS - 1 : KEPT_CHARS;
    return text.substring(0, end);
  }

  private static int size(JsonNode value) {
    try {
      return Json.mapper().writeValueAsBytes(value).length;
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
