package io.jobline.store;

import io.jobline.topic.DeadLetter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** {@link DeadLetterStore} in memory, for logic tests; safe to use from several threads. */
public final class InMemoryDeadLetterStore implements DeadLetterStore {
  private static final Comparator<DeadLetter> NEWEST_FIRST =
      Comparator.comparing(
              DeadLetter::time, Comparator.nullsFirst(Comparator.<Instant>naturalOrder()))
          .thenComparing(DeadLetter::id)
          .reversed();
  private final Map<String, DeadLetter> letters = new ConcurrentHashMap<>();

  private record Held(String token, Instant at, boolean sent, String asked) {}

  private final Map<String, Held> reservations = new ConcurrentHashMap<>();

  @Override
  public boolean reserveAttempt(
      String runId, int attempt, String token, Instant now, String asked, Duration held) {
    reservations.values().removeIf(r -> r.at().isBefore(now.minus(RESERVATIONS_KEPT)));
    Held mine = new Held(token, now, false, asked);
    Held kept =
        reservations.compute(
            runId + ":" + attempt,
            (k, r) -> r == null || (!r.sent() && r.at().isBefore(now.minus(held))) ? mine : r);
    return kept == mine;
  }

  @Override
  public void releaseAttempt(String runId, int attempt, String token) {
    reservations.computeIfPresent(
        runId + ":" + attempt, (k, r) -> r.token().equals(token) ? null : r);
  }

  @Override
  public void attemptSent(String runId, int attempt, String token) {
    reservations.computeIfPresent(
        runId + ":" + attempt,
        (k, r) -> r.token().equals(token) ? new Held(token, r.at(), true, r.asked()) : r);
  }

  @Override
  public Optional<Reservation> reservation(String runId, int attempt) {
    return Optional.ofNullable(reservations.get(runId + ":" + attempt))
        .map(r -> new Reservation(r.at(), r.sent(), r.asked()));
  }

  @Override
  public void putAll(List<DeadLetter> deadLetters) {
    for (DeadLetter d : deadLetters) {
      // the redrives are the store's to record: a writer's own are not kept (as in Mongo)
      letters.compute(d.id(), (id, old) -> with(d, old == null ? null : old.redrives()));
    }
  }

  @Override
  public Optional<DeadLetter> find(String id) {
    return Optional.ofNullable(letters.get(id));
  }

  @Override
  public Optional<DeadLetter> redrivenAs(String runId, int attempt) {
    return letters.values().stream()
        .filter(
            d ->
                d.redrives() != null
                    && d.redrives().stream()
                        .anyMatch(r -> runId.equals(r.runId()) && r.attempt() == attempt))
        .findFirst();
  }

  @Override
  public boolean redriven(String id, DeadLetter.Redrive redrive) {
    return letters.computeIfPresent(
            id,
            (k, d) -> {
              List<DeadLetter.Redrive> all =
                  new ArrayList<>(d.redrives() == null ? List.of() : d.redrives());
              all.add(redrive);
              return with(d, all);
            })
        != null;
  }

  @Override
  public List<DeadLetter> list(Query q) {
    return letters.values().stream()
        .filter(d -> q.tenantId() == null || q.tenantId().equals(d.tenantId()))
        .filter(d -> q.jobName() == null || q.jobName().equals(d.jobName()))
        .filter(d -> q.topic() == null || q.topic().equals(d.topic()))
        .filter(d -> q.redriven() == null || q.redriven() == d.redriven())
        .filter(d -> q.after() == null || NEWEST_FIRST.compare(d, marker(q.after())) > 0)
        .sorted(NEWEST_FIRST)
        .limit(q.limit())
        .toList();
  }

  private static DeadLetter marker(PageCursor c) {
    return new DeadLetter(
        c.id(), null, 0, 0, c.at(), null, null, null, null, null, null, null, null, null, null,
        false, List.of(), null);
  }

  private static DeadLetter with(DeadLetter d, List<DeadLetter.Redrive> redrives) {
    return new DeadLetter(
        d.id(),
        d.topic(),
        d.partition(),
        d.offset(),
        d.time(),
        d.reason(),
        d.source(),
        d.sourceTopic(),
        d.sourcePartition(),
        d.sourceOffset(),
        d.key(),
        d.tenantId(),
        d.jobName(),
        d.runId(),
        d.value(),
        d.valueTruncated(),
        redrives,
        d.runOutcome());
  }
}
