package io.jobline.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.api.auth.Access;
import io.jobline.api.auth.Caller;
import io.jobline.run.AuditEntry;
import io.jobline.wire.RunEvent;
import jakarta.ws.rs.core.SecurityContext;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records who did what through the api as an {@code audit} event on {@code jobline.events}, once
 * the change is made; history keeps the trail in {@code job_audit} ({@code GET /jobs/audit}).
 *
 * <p>The change is made by then, so an entry that cannot be sent never fails the request: a client
 * told 503 "nothing was changed" sent it again, and a run or chain started twice (found by review).
 * Such an entry, and every entry after it while it waits, is logged whole and sent again in the
 * background, in the order they were made, until Kafka takes them (up to {@value
 * #MAX_WAITING_BYTES} bytes of entries; more are in the log only). {@link #close} gives those
 * waiting a last chance.
 */
public final class Auditor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Auditor.class);
  static final long MAX_WAITING_BYTES = 16L * 1024 * 1024;
  private static final Duration RETRY_EVERY = Duration.ofSeconds(5);
  static final int LAST_CHANCE_SECONDS = 10;
  private static final Duration LAST_CHANCE = Duration.ofSeconds(LAST_CHANCE_SECONDS);

  private final Consumer<RunEvent> events;
  private final Clock clock;
  private final Duration retryEvery;

  /** Entries waiting to be sent again, oldest first, and their size (guarded by itself). */
  private final Deque<RunEvent> waiting = new ArrayDeque<>();

  private long waitingBytes;

  /** Sends the entries waiting every {@link #retryEvery}, once the first has waited. */
  private ScheduledExecutorService retrier;

  /** How long a request waits for Kafka to take its audit entry before it is answered anyway. */
  static final Duration SEND_WAIT = Duration.ofSeconds(2);

  /**
   * An auditor whose entries {@code send} hands to Kafka, waiting at most {@link #SEND_WAIT} for
   * each: one not taken by then waits in the background (sent again; its id keeps one in the
   * trail). Waiting as long as Kafka may (30 s) held the reply to a change made already, and a
   * client that gave up and sent it again (a trigger, a chain run) started it twice (found by
   * review).
   */
  public static Auditor sending(Function<RunEvent, ? extends Future<?>> send, Clock clock) {
    return sending(send, clock, SEND_WAIT);
  }

  static Auditor sending(Function<RunEvent, ? extends Future<?>> send, Clock clock, Duration wait) {
    return new Auditor(
        e -> {
          try {
            send.apply(e).get(wait.toMillis(), TimeUnit.MILLISECONDS);
          } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while Kafka took an audit entry");
          } catch (ExecutionException | TimeoutException notTaken) {
            throw new IllegalStateException(
                "Kafka did not take the audit entry within " + wait + ": " + notTaken, notTaken);
          }
        },
        clock);
  }

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
    details = bounded(details);
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
    synchronized (waiting) {
      if (!waiting.isEmpty()) {
        wait(entry, "entries before it wait to be sent"); // (behind them: the trail keeps order)
        return;
      }
    }
    try {
      events.accept(entry);
    } catch (RuntimeException e) {
      synchronized (waiting) {
        wait(entry, e.toString());
      }
    }
  }

  /**
   * The most an entry's details take, as JSON in UTF-8; larger ones are recorded as their size and
   * their fields' names ({@link #bounded}).
   */
  static final int MAX_DETAILS_BYTES = 64 * 1024;

  /** The most field names a left-out entry's details name. */
  private static final int MAX_FIELDS_NAMED = 100;

  /**
   * The details as given, or, when larger than {@link #MAX_DETAILS_BYTES}, how large they were and
   * their fields' names (found by review: the entry of a schedule's 1 MiB {@code PATCH} was more
   * than Kafka takes in one record, and it waited at the head of the queue for good, every later
   * entry of the api behind it, until those waiting filled up and new ones went to the log only).
   */
  static JsonNode bounded(JsonNode details) {
    if (details == null) {
      return null;
    }
    int bytes = details.toString().getBytes(StandardCharsets.UTF_8).length;
    if (bytes <= MAX_DETAILS_BYTES) {
      return details;
    }
    ObjectNode left = JsonNodeFactory.instance.objectNode();
    left.put("left_out_bytes", bytes);
    if (details.isObject()) {
      ArrayNode names = left.putArray("fields");
      Iterator<String> fields = details.fieldNames();
      while (fields.hasNext() && names.size() < MAX_FIELDS_NAMED) {
        names.add(fields.next());
      }
    }
    return left;
  }

  /** How many entries wait to be sent again. */
  public int waiting() {
    synchronized (waiting) {
      return waiting.size();
    }
  }

  /** Queues {@code entry} to be sent again, logging it whole (guarded by {@link #waiting}). */
  private void wait(RunEvent entry, String why) {
    long bytes = entry.toString().length();
    if (waitingBytes + bytes > MAX_WAITING_BYTES) {
      LOG.error("Audit entry not recorded ({}), and too many wait already: {}", why, entry);
      return;
    }
    LOG.warn(
        "Audit entry not recorded yet ({}); it is sent again in the background: {}", why, entry);
    waiting.addLast(entry);
    waitingBytes += bytes;
    if (retrier == null) {
      retrier =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "jobline-audit-retry");
                t.setDaemon(true);
                return t;
              });
      retrier.scheduleWithFixedDelay(
          this::sendWaiting, 0, retryEvery.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** Sends the entries waiting, oldest first, until Kafka refuses one or none is left. */
  private void sendWaiting() {
    while (sendFirst()) {
      // (one after the other)
    }
  }

  /**
   * Sends the oldest entry waiting, left in the queue until Kafka has it (so a new entry waits
   * behind it); true if one was sent.
   */
  private boolean sendFirst() {
    RunEvent first;
    synchronized (waiting) {
      first = waiting.peekFirst();
    }
    if (first == null) {
      return false;
    }
    try {
      events.accept(first);
    } catch (RuntimeException e) {
      return false;
    }
    synchronized (waiting) {
      waiting.pollFirst();
      waitingBytes -= first.toString().length();
    }
    LOG.info("Audit entry sent after all: {}", first);
    return true;
  }

  /**
   * Sends what waits for up to {@value #LAST_CHANCE_SECONDS} s more; what is left is in the log.
   */
  @Override
  public void close() {
    ScheduledExecutorService r;
    synchronized (waiting) {
      r = retrier;
    }
    if (r != null) {
      r.shutdownNow();
      try {
        r.awaitTermination(1, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    long until = System.nanoTime() + LAST_CHANCE.toNanos();
    while (waiting() > 0 && System.nanoTime() - until < 0 && sendFirst()) {
      // (one after the other, until Kafka refuses again)
    }
    int left = waiting();
    if (left > 0) {
      LOG.error("{} audit entries were not recorded (each is in the log above)", left);
    }
  }
}
