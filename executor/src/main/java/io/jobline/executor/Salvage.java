package io.jobline.executor;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.jobline.wire.Json;
import io.jobline.wire.JobRequest;
import io.jobline.wire.RunId;
import io.jobline.wire.WireLimits;
import java.util.HashMap;
import java.util.Map;

/**
 * What can be read of a request record that cannot be read whole (too deep, cut off, broken
 * further on): its top-level {@code run_id}, {@code job_name} and {@code tenant_id}, so the run
 * it names ends as failed with the reason instead of staying unknown.
 */
final class Salvage {
  private Salvage() {}

  /** A request with only the ids found before the record broke, or null without a usable run id. */
  static JobRequest ids(byte[] value) {
    if (value == null) {
      return null;
    }
    Map<String, String> found = new HashMap<>();
    try (JsonParser p = Json.mapper().getFactory().createParser(value)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        if (v == JsonToken.VALUE_STRING && (name.equals("run_id") || name.equals("job_name") || name.equals("tenant_id"))) {
          found.put(name, p.getText());
        } else {
          p.skipChildren();
        }
      }
    } catch (Exception broken) {
      // keep what was read before the record broke
    }
    String runId = found.get("run_id");
    if (runId == null || runId.isBlank() || WireLimits.badText(runId).isPresent()) {
      return null;
    }
    String job = clean(found.get("job_name"));
    String tenant = clean(found.get("tenant_id"));
    return JobRequest.manual(RunId.of(runId), job, null, tenant, null, null);
  }

  private static String clean(String text) {
    return text == null || WireLimits.badText(text).isPresent() ? null : text;
  }
}
