package io.jobline.run;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.jobline.wire.EventType;
import io.jobline.wire.Json;
import io.jobline.wire.RunEvent;
import io.jobline.wire.RunId;
import java.time.Instant;
import java.util.UUID;

/**
 * One thing a caller did through the api: who ({@code actor}, their role and tenant), what ({@code
 * action}: cancel, retry, trigger, create, change, delete, run, pause, resume) to what ({@code
 * target_type} run, schedule, chain, chain_run or dead_letter, and its id), when, and any details.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AuditEntry(
    String auditId,
    Instant at,
    String action,
    String actor,
    String actorRole,
    String tenantId,
    String targetType,
    String target,
    JsonNode details) {

  /** A new entry, with its own id (so writing it twice keeps one). */
  public static AuditEntry of(
      Instant at,
      String action,
      String actor,
      String actorRole,
      String tenantId,
      String targetType,
      String target,
      JsonNode details) {
    return new AuditEntry(
        UUID.randomUUID().toString(),
        at,
        action,
        actor,
        actorRole,
        tenantId,
        targetType,
        target,
        details);
  }

  /** The entry as a record on {@code jobline.events}, keyed by what it was done to. */
  public RunEvent toEvent() {
    String key = targetType.equals("run") ? target : targetType.replace('_', '-') + ":" + target;
    return new RunEvent(RunId.of(key), 0, EventType.AUDIT, at, "api", 0, 0, Json.tree(this));
  }

  /** The entry an {@code audit} event carries. */
  public static AuditEntry from(RunEvent event) {
    return Json.mapper().convertValue(event.payload(), AuditEntry.class);
  }
}
