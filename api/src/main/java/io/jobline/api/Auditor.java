package io.jobline.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobline.api.auth.Access;
import io.jobline.api.auth.Caller;
import io.jobline.run.AuditEntry;
import io.jobline.wire.RunEvent;
import jakarta.ws.rs.core.SecurityContext;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records who did what through the api as an {@code audit} event on {@code jobline.events}, once
 * the change is made; history keeps the trail in {@code job_audit} ({@code GET /jobs/audit}).
 *
 * <p>The change is made by then, so an entry that cannot be sent never fails the request: a client
 * told 503 "nothing was changed" sent it again, and a run or chain started twice (found by review).
 * Such an entry is logged whole, and sent again in the background until Kafka takes it (up to
 * {@value #MAX_WAITING} entries; more are in the log only).
 */
public final class Auditor {
  private static final Logger LOG = LoggerFactory.getLogger(Auditor.class);
  static final int MAX_WAITING = 10_000;
  private static final Duration RETRY_EVERY = Duration.ofSeconds(5);

  private final Consumer<RunEvent> events;
  private final Clock clock;
  private final LinkedBlockingDeque<RunEvent> waiting = new LinkedBlockingDeque<>(MAX_WAITING);
  private final Duration retryEvery;
  private Thread retrier;

  /**
   * @param events sends an event and returns once Kafka has it
   */
  public Auditor(Consumer<RunEvent> events, Clock clock) {
    this(events, clock, RETRY_EVERY);
  }

  Auditor(Consumer<RunEvent> events, Clock clock, Duration retryEvery) {
    this.events = events;
    this.clock = clock;
    this.retryEvery = retryEvery;
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
    RunEvent entry =
        AuditEntry.of(
                clock.instant(),
                action,
                c.name(),
                c.role().wire(),
                tenant,
                targetType,
                target,
                details)
            .toEvent();
    if (!waiting.isEmpty() && waiting.offerLast(entry)) {
      return; // (behind those waiting: the trail keeps the order things were done in)
    }
    try {
      events.accept(entry);
    } catch (RuntimeException e) {
      LOG.error(
          "Audit entry not recorded yet (sent again in the background): {} {} {} by {}: {}; entry"
              + " {}",
          action,
          targetType,
          target,
          c.name(),
          e.toString(),
          entry);
      if (!waiting.offerLast(entry)) {
        LOG.error("{} audit entries wait already; this one is in the log only", MAX_WAITING);
        return;
      }
      startRetrying();
    }
  }

  /** How many entries wait to be sent again. */
  public int waiting() {
    return waiting.size();
  }

  private synchronized void startRetrying() {
    if (retrier != null) {
      return;
    }
    retrier = new Thread(this::retry, "jobline-audit-retry");
    retrier.setDaemon(true);
    retrier.start();
  }

  private void retry() {
    try {
      while (true) {
        RunEvent entry = waiting.pollFirst(1, TimeUnit.DAYS);
        if (entry == null) {
          continue;
        }
        try {
          events.accept(entry);
          LOG.info("Audit entry sent after all: {}", entry);
        } catch (RuntimeException e) {
          waiting.offerFirst(entry);
          Thread.sleep(retryEvery.toMillis());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
