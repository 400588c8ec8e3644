package io.jobline.store;

import io.jobline.topic.DeadLetter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The dead-letter topics as a collection ({@code job_dead_letters}): history writes, the api reads
 * and redrives.
 */
public interface DeadLetterStore {
  /** Writes each by id, keeping the redrives it already has: writing one again keeps one. */
  void putAll(List<DeadLetter> deadLetters);

  Optional<DeadLetter> find(String id);

  /** Records a redrive of {@code id}; false when there is no such dead letter. */
  boolean redriven(String id, DeadLetter.Redrive redrive);

  /** The dead letter redriven as attempt {@code attempt} of run {@code runId}, if any. */
  Optional<DeadLetter> redrivenAs(String runId, int attempt);

  /**
   * How long a reservation of an attempt ({@link #reserveAttempt}) not marked sent ({@link
   * #attemptSent}) holds against another asking for the same attempt; past it, the api that took it
   * is taken to have stopped while sending. One marked sent holds until it is deleted.
   */
  Duration RESERVATION_HELD = Duration.ofMinutes(5);

  /** How long reservations are kept at all. */
  Duration RESERVATIONS_KEPT = Duration.ofDays(1);

  /**
   * Reserves attempt {@code attempt} of run {@code runId} for the one asking for it by hand (a
   * retry, a redrive: {@code token} names that asking), before its request is sent, in {@code
   * job_attempts_asked}: false when another holds it — a retry and a redrive, or two clicks, at
   * once, would both send the attempt, so one runs twice or with the other's params — unless that
   * one is older than {@link #RESERVATION_HELD} and not marked sent. Reservations older than {@link
   * #RESERVATIONS_KEPT} are deleted as new ones are taken.
   */
  default boolean reserveAttempt(String runId, int attempt, String token, Instant now) {
    return reserveAttempt(runId, attempt, token, now, null, RESERVATION_HELD);
  }

  /**
   * As {@link #reserveAttempt(String, int, String, Instant)}, keeping {@code asked} (what the
   * asking asked, in a form of its own, or null) with the reservation, for one that finds it held
   * ({@link #reservation}); one not marked sent is taken over once older than {@code held}.
   */
  boolean reserveAttempt(
      String runId, int attempt, String token, Instant now, String asked, Duration held);

  /**
   * A reservation as kept: when it was taken, whether its request was sent, and what its asking
   * asked (null if it kept nothing).
   */
  record Reservation(Instant at, boolean sent, String asked) {}

  /** The reservation of attempt {@code attempt} of run {@code runId}, if one is kept. */
  Optional<Reservation> reservation(String runId, int attempt);

  /** Gives back a reservation whose request was not sent (the same {@code token}). */
  void releaseAttempt(String runId, int attempt, String token);

  /**
   * Marks the reservation ({@code token}) of an attempt whose request Kafka took: the attempt is on
   * its way, however long it waits for an executor, and a reservation taken over after {@link
   * #RESERVATION_HELD} sent it a second time (found by review).
   */
  void attemptSent(String runId, int attempt, String token);

  /** What to list: null fields don't filter; newest first, after {@code after}. */
  record Query(
      String tenantId,
      String jobName,
      String topic,
      Boolean redriven,
      PageCursor after,
      int limit) {}

  /** One page, newest first (by the time the record reached its dead-letter topic, then id). */
  List<DeadLetter> list(Query query);
}
