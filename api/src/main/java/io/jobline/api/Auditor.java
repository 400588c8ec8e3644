package io.jobline.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobline.api.auth.Access;
import io.jobline.api.auth.Caller;
import io.jobline.run.AuditEntry;
import io.jobline.wire.RunEvent;
import jakarta.ws.rs.core.SecurityContext;
import java.time.Clock;
import java.util.function.Consumer;

/**
 * Records who did what through the api as an {@code audit} event on {@code jobline.events}, once
 * the change is made; history keeps the trail in {@code job_audit} ({@code GET /jobs/audit}).
 */
public final class Auditor {
  private final Consumer<RunEvent> events;
  private final Clock clock;

  /**
   * @param events sends an event and returns once Kafka has it
   */
  public Auditor(Consumer<RunEvent> events, Clock clock) {
    this.events = events;
    this.clock = clock;
  }

  /**
   * Records that the caller did {@code action} to {@code target} (of type run, schedule, chain,
   * chain_run or dead_letter) of {@code tenant}.
   */
  public void record(
      SecurityContext sc,
      String action,
      String targetType,
      String target,
      String tenant,
      JsonNode details) {
    Caller c = Access.caller(sc);
    events.accept(
        AuditEntry.of(
                clock.instant(),
                action,
                c.name(),
                c.role().wire(),
                tenant,
                targetType,
                target,
                details)
            .toEvent());
  }
}
