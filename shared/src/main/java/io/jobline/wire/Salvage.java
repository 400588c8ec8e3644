package io.jobline.wire;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.util.HashMap;
import java.util.Map;

/**
 * What can be read of a request record that cannot be read whole (too deep, cut off, broken further
 * on): its top-level {@code run_id}, {@code job_name} and {@code tenant_id}, so the run it names
 * ends as failed with the reason instead of staying unknown.
 */
public final class Salvage {
  private Salvage() {}

  /** A request with only the ids found before the record broke, or null without a usable run id. */
  public static JobRequest ids(byte[] value) {
    Map<String, String> found = texts(value);
    String runId = found.get("run_id");
    if (runId == null || runId.isBlank()) {
      return null;
    }
    return JobRequest.manual(
        RunId.of(runId), found.get("job_name"), null, found.get("tenant_id"), null, null);
  }

  /**
   * The top-level {@code run_id}, {@code job_name} and {@code tenant_id} found before the record
   * broke, each only when it is text that can be carried and is not blank.
   */
  public static Map<String, String> texts(byte[] value) {
    Map<String, String> found = new HashMap<>();
    if (value == null) {
      return found;
    }
    try (JsonParser p = Json.mapper().getFactory().createParser(value)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return found;
      }
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        boolean id = name.equals("run_id") || name.equals("job_name") || name.equals("tenant_id");
        if (id && v == JsonToken.VALUE_STRING) {
          found.put(name, p.getText());
        } else {
          // a field given twice reads as its last value, as the executor reads it: a later value
          // that is not text leaves no id behind
          if (id) {
            found.remove(name);
          }
          p.skipChildren();
        }
      }
    } catch (Exception broken) {
      // keep what was read before the record broke
    }
    // (a blank run id names no run: kept, a dead letter's redrive failed on it, found by review)
    found
        .values()
        .removeIf(text -> text == null || text.isBlank() || WireLimits.badText(text).isPresent());
    return found;
  }
}
