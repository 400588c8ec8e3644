package io.jobline.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.run.RunOptions;
import io.jobline.store.DeadLetterStore;
import io.jobline.wire.Json;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first attempt of the run an {@code Idempotency-Key} names, reserved in the store before its
 * request is sent ({@link DeadLetterStore#reserveAttempt}, as a retry or a redrive reserves the
 * attempt it sends), with a fingerprint of what was asked. Without it, a key another api had sent,
 * or this api had forgotten (it keeps 10,000 runs, fewer with large params), and history had yet to
 * write, was sent a second time: a second copy of one run, which ran once more on an executor that
 * did not remember the first, and its other params were answered 202 (found by review).
 */
final class KeyReservation {
  private static final Logger LOG = LoggerFactory.getLogger(KeyReservation.class);

  private KeyReservation() {}

  /** What to do with a keyed run-now that neither history nor this api knows. */
  sealed interface Verdict permits Send, Replay {}

  /** Send it, holding the reservation {@code token}. */
  record Send(String token) implements Verdict {}

  /** Its request was sent already (by another api, or before this one forgot): queued since. */
  record Replay(Instant at) implements Verdict {}

  /**
   * Reserves the first attempt of {@code runId} for this request.
   *
   * @throws ApiException 409 (retry) while another request of the key is being sent, 422 naming the
   *     first field that differs from the request that was sent
   */
  static Verdict reserve(
      DeadLetterStore store, String runId, JsonNode params, RunOptions asked, Instant now) {
    String token = UUID.randomUUID().toString();
    String mine = fingerprint(params, asked);
    if (store.reserveAttempt(runId, 1, token, now, mine, HELD)) {
      return new Send(token);
    }
    Optional<DeadLetterStore.Reservation> held = store.reservation(runId, 1);
    if (held.isEmpty() || !held.get().sent()) {
      throw new ApiException(
              409,
              "Idempotency-Key in use",
              "a request with this Idempotency-Key is being sent now; retry it when that one is"
                  + " answered",
              JobsResource.IDEMPOTENCY_KEY,
              null)
          .retryAfter(1);
    }
    Optional<String> differs = differs(held.get().asked(), mine);
    if (differs.isPresent()) {
      throw SameRequest.reused("run", runId, differs.get());
    }
    return new Replay(held.get().at());
  }

  /** Marks the reservation sent: it holds for good (until it is swept after a day). */
  static void sent(DeadLetterStore store, String runId, String token) {
    try {
      store.attemptSent(runId, 1, token);
    } catch (RuntimeException e) {
      // (sent all the same; unmarked, it holds for HELD, by when history normally has the run)
      LOG.warn("Run {} was sent, but its key's reservation could not be marked so: {}", runId, e);
    }
  }

  /** Gives the reservation back: the request was not sent, so the key may be sent again. */
  static void notSent(DeadLetterStore store, String runId, String token, RuntimeException why) {
    try {
      store.releaseAttempt(runId, 1, token);
    } catch (RuntimeException notGivenBack) {
      why.addSuppressed(notGivenBack); // (it lapses after HELD)
    }
  }

  /**
   * How long a key's reservation not marked sent holds against another request of the key: past the
   * longest a send waits for Kafka (30 s), its api stopped while sending, and the key may be sent
   * again (history shows the run first if Kafka took it). Not a retry's 5 minutes: a client whose
   * api died mid-request was told 409 for that long (found by review).
   */
  static final Duration HELD = Duration.ofSeconds(35);

  private static final List<String> FIELDS =
      List.of("params", "timeout_seconds", "retry_backoff_seconds", "retry_backoff_cap_seconds");

  /** What a request asked, as compared ({@link SameRequest}): its params only as a digest. */
  static String fingerprint(JsonNode params, RunOptions asked) {
    ObjectNode f = Json.object();
    f.put("params", SameRequest.digest(params));
    f.put("timeout_seconds", asked.timeoutSeconds());
    f.put("retry_backoff_seconds", asked.retryBackoffSeconds());
    f.put("retry_backoff_cap_seconds", asked.retryBackoffCapSeconds());
    return f.toString();
  }

  /** The first field {@code again} asks otherwise than {@code first}; none if either is unknown. */
  static Optional<String> differs(String first, String again) {
    if (first == null || again == null) {
      return Optional.empty(); // (a reservation of a retry or a redrive keeps none)
    }
    JsonNode a;
    JsonNode b;
    try {
      a = Json.mapper().readTree(first);
      b = Json.mapper().readTree(again);
    } catch (IOException | RuntimeException unreadable) {
      return Optional.empty();
    }
    return FIELDS.stream().filter(f -> !Objects.equals(a.get(f), b.get(f))).findFirst();
  }
}
