package io.jobline.scheduler;

import io.jobline.schedule.Schedule;
import io.jobline.schedule.ScheduleFiring;
import io.jobline.store.ScheduleStore;
import io.jobline.topic.PreparedRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.kafka.common.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Acts on the fires a cycle decided: hands each fire's output to Kafka (its missed records, then
 * its requests) — that is what lateness is measured on — then, as Kafka acknowledges each fire,
 * moves the index to its next fire time and writes the bookkeeping to the store in one batch. A
 * fire Kafka does not take is tried again a second later from the same fire time, never dropped.
 * Only the scheduler's cycle uses it (not thread-safe, except for the fire listeners).
 */
final class FireOutput {
  private static final Logger LOG = LoggerFactory.getLogger(FireOutput.class);

  /** How long a cycle waits for Kafka to take what it fired. */
  static final Duration ACK_TIMEOUT = Duration.ofSeconds(60);

  /**
   * A fire whose output is on its way to Kafka; it counts once Kafka has taken all of it. {@code
   * handedOver}: the acks of the records the producer took to send (not refused as it was given
   * them, e.g. with no metadata of the topic).
   */
  record Sent(
      ScheduleFiring.Fire fire,
      List<CompletableFuture<?>> acks,
      List<CompletableFuture<?>> handedOver) {}

  private final String id;
  private final Emitter emitter;
  private final ScheduleStore store;
  private final Clock clock;
  private final ScheduleIndex index;
  private final StagedFires staged;
  private final FireCycle cycle;
  private final Consumer<RuntimeException> storeFailed;
  private final List<FireListener> listeners = new CopyOnWriteArrayList<>();

  /** Fires Kafka took whose bookkeeping the store did not take yet. */
  private final List<ScheduleStore.Fire> unrecorded = new ArrayList<>();

  /**
   * @param storeFailed told when the store refuses the bookkeeping (kept for the next cycle)
   */
  FireOutput(
      String id,
      Emitter emitter,
      ScheduleStore store,
      Clock clock,
      ScheduleIndex index,
      StagedFires staged,
      FireCycle cycle,
      Consumer<RuntimeException> storeFailed) {
    this.id = id;
    this.emitter = emitter;
    this.store = store;
    this.clock = clock;
    this.index = index;
    this.staged = staged;
    this.cycle = cycle;
    this.storeFailed = storeFailed;
  }

  void addListener(FireListener listener) {
    listeners.add(listener);
  }

  private void fired(Instant nominal, Instant acknowledged) {
    for (FireListener l : listeners) {
      l.fired(nominal, acknowledged);
    }
  }

  /** Sends a fire decided now or prepared ahead: each request as the schedule's fire. */
  Sent fire(Schedule s, ScheduleFiring.Fire fire, List<PreparedRequest> requests) {
    return emit(fire, requests, p -> emitter.fire(s, p).thenApply(x -> clock.instant()));
  }

  /**
   * The one way a fire's output goes to Kafka, whichever path it takes (released after a hand-over
   * ahead, prepared ahead, or decided now): its missed records, then its requests as {@code send}
   * hands each over, its future completing with when Kafka took it (told to the fire listeners).
   */
  private Sent emit(
      ScheduleFiring.Fire fire,
      List<PreparedRequest> requests,
      Function<PreparedRequest, CompletableFuture<Instant>> send) {
    List<CompletableFuture<?>> acks = new ArrayList<>();
    fire.missed().forEach(m -> acks.add(emitter.missed(m)));
    for (PreparedRequest prepared : requests) {
      Instant nominal = prepared.request().trigger().nominalTime();
      acks.add(send.apply(prepared).thenAccept(acked -> fired(nominal, acked)));
    }
    // (a producer refuses what it cannot send as it is given it: its future has failed already)
    List<CompletableFuture<?>> handedOver =
        acks.stream().filter(a -> !a.isCompletedExceptionally()).toList();
    return new Sent(fire, acks, handedOver);
  }

  /**
   * Releases the requests handed over ahead: one commit makes all of them visible. If Kafka
   * refuses, they stay staged and are sent directly in a later cycle, once the lease has been
   * checked again (a replica fenced by a newer leader will find it has lost the lease).
   *
   * @return whether Kafka took them
   */
  boolean release(StagedFires.HandedOver handed, List<Sent> sent) {
    Instant start = clock.instant();
    CompletableFuture<?> ack = handed.release().publish();
    Instant acked = clock.instant();
    if (handed.fires().size() >= 100) {
      LOG.info(
          "Released {} staged fires: began {} ms after they were due, took {} ms",
          handed.fires().size(),
          Duration.between(handed.due(), start).toMillis(),
          Duration.between(start, acked).toMillis());
    }
    if (ack.isCompletedExceptionally()) {
      handed.fires().forEach(staged::put);
      return false;
    }
    CompletableFuture<Instant> released = ack.thenApply(x -> acked);
    for (StagedFires.Fire st : handed.fires()) {
      sent.add(emit(st.decision(), st.requests(), p -> released));
    }
    return true;
  }

  /** Waits for Kafka to take each fire; moves the ones it took on, and tries the others again. */
  void settle(List<Sent> sent, Instant now) {
    List<ScheduleStore.Fire> fires = new ArrayList<>(sent.size());
    long deadline = System.nanoTime() + ACK_TIMEOUT.toNanos();
    int refused = 0;
    for (Sent x : sent) {
      Schedule s = x.fire().schedule();
      try {
        CompletableFuture.allOf(x.acks().toArray(CompletableFuture[]::new))
            .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        index.put(x.fire().updated());
        fires.add(x.fire().record());
        cycle.fired(s);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        cycle.retryLater(
            s,
            now,
            new IllegalStateException("interrupted while waiting for Kafka"),
            partlyTaken(x) ? x.fire().at() : null);
        refused++;
      } catch (ExecutionException | TimeoutException e) {
        cycle.retryLater(
            s,
            now,
            new IllegalStateException(
                "Kafka did not take the fire: " + (e.getCause() != null ? e.getCause() : e), e),
            partlyTaken(x) ? x.fire().at() : null);
        refused++;
      }
    }
    if (sent.size() >= 100 || refused > 0) {
      LOG.info(
          "Fired {} schedule(s) ({} tried again later); with their bookkeeping the cycle took {} ms",
          sent.size() - refused,
          refused,
          Duration.between(now, clock.instant()).toMillis());
    }
    unrecorded.addAll(fires);
    recordFires();
  }

  /**
   * Whether Kafka took, or may have taken, part of a fire it did not take whole: the try again must
   * decide it as it was decided ({@link FireCycle#retryLater(Schedule, Instant, RuntimeException,
   * Instant)}), the same run ids again. One it took nothing of is decided anew (skip records it
   * missed once past its grace). A record the producer took to send and that then failed as a
   * timeout (or any retriable error), or is still unanswered, may be in the log: decided anew, a
   * fire past its grace was recorded missed under the run id of a request that ran (found by
   * review). Refused as it was handed over, or by the broker for good, it is not.
   */
  private static boolean partlyTaken(Sent x) {
    return x.handedOver().stream().anyMatch(FireOutput::mayBeTaken);
  }

  private static boolean mayBeTaken(CompletableFuture<?> ack) {
    if (!ack.isDone()) {
      return true;
    }
    if (!ack.isCompletedExceptionally()) {
      return true;
    }
    try {
      ack.join();
      return true;
    } catch (CompletionException | CancellationException e) {
      Throwable cause = e.getCause();
      while (cause instanceof CompletionException && cause.getCause() != null) {
        cause = cause.getCause();
      }
      return cause instanceof RetriableException;
    }
  }

  /**
   * Writes the bookkeeping of the fires Kafka took; kept for the next cycle while the store refuses
   * it.
   */
  void recordFires() {
    if (unrecorded.isEmpty()) {
      return;
    }
    try {
      store.recordFires(List.copyOf(unrecorded));
      unrecorded.clear();
    } catch (RuntimeException e) {
      LOG.warn(
          "Scheduler {} could not record {} fire(s) in the store; it tries again next cycle: {}",
          id,
          unrecorded.size(),
          e.toString());
      storeFailed.accept(e);
    }
  }

  /**
   * {@code s} (as the store gives it) with the bookkeeping of its fires the store has not taken
   * yet: read back from the store while that write fails, a schedule someone changed meanwhile had
   * its fired time as next again, and the leader decided that time again (found by review).
   */
  Schedule withUnrecorded(Schedule s) {
    for (ScheduleStore.Fire f : unrecorded) {
      if (f.jobName().equals(s.jobName())) {
        s = f.applyTo(s);
      }
    }
    return s;
  }

  /** Forgets the bookkeeping not written yet (the replica lost the lease). */
  void clear() {
    unrecorded.clear();
  }
}
