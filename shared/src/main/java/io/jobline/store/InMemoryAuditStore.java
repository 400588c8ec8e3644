package io.jobline.store;

import io.jobline.run.AuditEntry;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * {@link AuditStore} in memory, for logic tests; safe to use from several threads. It keeps each
 * entry as {@link MongoAuditStore} would read it back (through the same document mapping, so times
 * to the millisecond) and, like Mongo, takes a limit of 0 as none and a negative one as its size.
 */
public final class InMemoryAuditStore implements AuditStore {
  private static final Set<String> DATES = Set.of("at");

  /** Newest first; an entry without a time sorts last, as Mongo sorts a missing field lowest. */
  private static final Comparator<AuditEntry> NEWEST_FIRST =
      Comparator.comparing(
              AuditEntry::at, Comparator.nullsFirst(Comparator.<Instant>naturalOrder()))
          .reversed();

  /** Entries by id, in the order first written (ties in time keep it). */
  private final Map<String, AuditEntry> entries = new LinkedHashMap<>();

  @Override
  public synchronized void putAll(List<AuditEntry> batch) {
    for (AuditEntry e : batch) {
      entries.put(e.auditId(), kept(e));
    }
  }

  @Override
  public synchronized List<AuditEntry> list(Query q) {
    return entries.values().stream()
        .filter(e -> matches(q.tenantId(), e.tenantId()))
        .filter(e -> matches(q.targetType(), e.targetType()))
        .filter(e -> matches(q.target(), e.target()))
        .filter(e -> matches(q.actor(), e.actor()))
        .filter(e -> matches(q.action(), e.action()))
        .sorted(NEWEST_FIRST)
        .limit(q.limit() == 0 ? Long.MAX_VALUE : Math.abs((long) q.limit()))
        .toList();
  }

  private static boolean matches(String wanted, String value) {
    return wanted == null || Objects.equals(wanted, value);
  }

  private static AuditEntry kept(AuditEntry e) {
    return Documents.fromDocument(
        Documents.toDocument(e, "audit_id", DATES), AuditEntry.class, "audit_id");
  }
}
