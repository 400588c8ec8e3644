package io.jobline.app.stores;

import static io.jobline.app.stores.ContractMongo.T0;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobline.run.AuditEntry;
import io.jobline.store.AuditStore;
import io.jobline.store.AuditStore.Query;
import io.jobline.store.InMemoryAuditStore;
import io.jobline.store.MongoAuditStore;
import io.jobline.wire.Json;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The audit trail's contract, run against its in-memory twin and its Mongo implementation. */
class AuditStoreContractTest {
  private static ContractMongo mongo;

  @BeforeAll
  static void start() {
    mongo = ContractMongo.start();
  }

  @AfterAll
  static void stop() {
    mongo.close();
  }

  abstract static class AuditStoreContract {
    abstract AuditStore store();

    static AuditEntry entry(
        String id,
        Instant at,
        String action,
        String actor,
        String tenant,
        String targetType,
        String target) {
      return new AuditEntry(id, at, action, actor, "operator", tenant, targetType, target, null);
    }

    static Query all(int limit) {
      return new Query(null, null, null, null, null, limit);
    }

    static List<String> ids(List<AuditEntry> entries) {
      return entries.stream().map(AuditEntry::auditId).toList();
    }

    @Test
    void anEntryIsReadBackAsWrittenAndWritingItAgainKeepsOneAsLastWritten() {
      AuditStore s = store();
      ObjectNode details =
          Json.object()
              .put("reason", "stuck")
              .put("attempt", 2)
              .put("offset", 9_000_000_000L)
              .put("ratio", 0.5)
              .put("forced", true)
              .putNull("note");
      details.putArray("tags").add("a").add("b");
      details.putObject("by").put("role", "operator");
      AuditEntry first =
          new AuditEntry("a1", T0, "cancel", "alice", "operator", "acme", "run", "run-1", details);
      s.putAll(List.of(first, first));
      assertThat(s.list(all(10))).containsExactly(first);

      AuditEntry again =
          new AuditEntry(
              "a1",
              T0.plusSeconds(5),
              "retry",
              "bob",
              null,
              null,
              "chain_run",
              "cr-9",
              Json.object().put("from", "step-2"));
      AuditEntry bare =
          new AuditEntry("a2", T0, "pause", "carol", null, null, "schedule", "s", null);
      s.putAll(List.of(again, bare));
      assertThat(s.list(all(10))).containsExactly(again, bare);
    }

    @Test
    void entriesComeNewestFirstAndTheLimitKeepsTheNewest() {
      AuditStore s = store();
      s.putAll(
          List.of(
              entry("c", T0.plusSeconds(20), "run", "u", "t", "run", "r1"),
              entry("a", T0.minusSeconds(30), "run", "u", "t", "run", "r1"),
              entry("e", T0.plusSeconds(90), "run", "u", "t", "run", "r1")));
      s.putAll(
          List.of(
              entry("b", T0, "run", "u", "t", "run", "r1"),
              entry("d", T0.plusSeconds(21), "run", "u", "t", "run", "r1")));

      assertThat(ids(s.list(all(10)))).containsExactly("e", "d", "c", "b", "a");
      assertThat(ids(s.list(all(2)))).containsExactly("e", "d");
      assertThat(ids(s.list(all(1)))).containsExactly("e");
    }

    @Test
    void aLimitOfZeroKeepsEveryEntryAndANegativeOneKeepsAsManyAsItsSize() {
      AuditStore s = store();
      for (int i = 0; i < 5; i++) {
        s.putAll(List.of(entry("e" + i, T0.plusSeconds(i), "run", "u", "t", "run", "r")));
      }
      assertThat(ids(s.list(all(0)))).containsExactly("e4", "e3", "e2", "e1", "e0");
      assertThat(ids(s.list(all(-2)))).containsExactly("e4", "e3");
    }

    @Test
    void eachFilterKeepsOnlyTheEntriesMatchingItAndFiltersCombine() {
      AuditStore s = store();
      s.putAll(
          List.of(
              entry("1", T0.plusSeconds(1), "cancel", "alice", "acme", "run", "r1"),
              entry("2", T0.plusSeconds(2), "retry", "alice", "acme", "run", "r2"),
              entry("3", T0.plusSeconds(3), "cancel", "bob", "globex", "run", "r1"),
              entry("4", T0.plusSeconds(4), "change", "bob", "acme", "schedule", "r1"),
              entry("5", T0.plusSeconds(5), "delete", "alice", null, "chain", "c1"),
              entry("6", T0.plusSeconds(6), "cancel", "alice", "acme", "run", "r1")));

      assertThat(ids(s.list(new Query("acme", null, null, null, null, 10))))
          .containsExactly("6", "4", "2", "1");
      assertThat(ids(s.list(new Query(null, "run", null, null, null, 10))))
          .containsExactly("6", "3", "2", "1");
      assertThat(ids(s.list(new Query(null, null, "r1", null, null, 10))))
          .containsExactly("6", "4", "3", "1");
      assertThat(ids(s.list(new Query(null, null, null, "bob", null, 10))))
          .containsExactly("4", "3");
      assertThat(ids(s.list(new Query(null, null, null, null, "cancel", 10))))
          .containsExactly("6", "3", "1");
      assertThat(ids(s.list(new Query("acme", "run", "r1", "alice", "cancel", 10))))
          .containsExactly("6", "1");
      assertThat(ids(s.list(new Query("acme", "run", "r1", "alice", "cancel", 1))))
          .containsExactly("6");
      assertThat(ids(s.list(new Query(null, "chain", null, "alice", null, 10))))
          .containsExactly("5");
      assertThat(s.list(new Query("initech", null, null, null, null, 10))).isEmpty();
      assertThat(s.list(new Query("acme", "chain", null, null, null, 10))).isEmpty();
    }

    @Test
    void timesComeBackToTheMillisecondAndAnEntryWithoutATimeComesLast() {
      AuditStore s = store();
      s.putAll(
          List.of(
              entry("untimed", null, "run", "u", "t", "run", "r"),
              entry("fine", T0.plusNanos(1_234_567), "run", "u", "t", "run", "r"),
              entry("older", T0.minusMillis(1), "run", "u", "t", "run", "r")));

      List<AuditEntry> read = s.list(all(10));
      assertThat(ids(read)).containsExactly("fine", "older", "untimed");
      assertThat(read)
          .extracting(AuditEntry::at)
          .containsExactly(T0.plusMillis(1), T0.minusMillis(1), null);
    }

    @Test
    void writingNoEntriesChangesNothing() {
      AuditStore s = store();
      s.putAll(List.of());
      assertThat(s.list(all(10))).isEmpty();
      s.putAll(List.of(entry("x", T0, "run", "u", "t", "run", "r")));
      s.putAll(List.of());
      assertThat(ids(s.list(all(10)))).containsExactly("x");
    }
  }

  @Nested
  class InMemoryAuditStoreAgrees extends AuditStoreContract {
    @Override
    AuditStore store() {
      return new InMemoryAuditStore();
    }
  }

  @Nested
  class MongoAuditStoreAgrees extends AuditStoreContract {
    @Override
    AuditStore store() {
      return new MongoAuditStore(mongo.freshDatabase()).ensureIndexes();
    }
  }
}
