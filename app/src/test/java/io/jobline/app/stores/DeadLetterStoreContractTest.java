package io.jobline.app.stores;

import static io.jobline.app.stores.ContractMongo.T0;
import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.jobline.embedded.EmbeddedMongo;
import io.jobline.store.DeadLetterStore;
import io.jobline.store.DeadLetterStore.Query;
import io.jobline.store.InMemoryDeadLetterStore;
import io.jobline.store.MongoDeadLetterStore;
import io.jobline.store.PageCursor;
import io.jobline.topic.DeadLetter;
import io.jobline.topic.DeadLetter.Redrive;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dead-letter store's contract, run against its in-memory twin and its Mongo implementation.
 */
class DeadLetterStoreContractTest {
  private static ContractMongo mongo;

  @BeforeAll
  static void start() {
    mongo = ContractMongo.start();
  }

  @AfterAll
  static void stop() {
    mongo.close();
  }

  abstract static class DeadLetterStoreContract {
    abstract DeadLetterStore store();

    static DeadLetter letter(
        long offset,
        String topic,
        String tenant,
        String job,
        Instant time,
        List<Redrive> redrives) {
      return new DeadLetter(
          DeadLetter.idOf(topic, 0, offset),
          topic,
          0,
          offset,
          time,
          "unreadable",
          "jobline.requests/2/" + offset,
          "jobline.requests",
          2,
          offset,
          tenant,
          tenant,
          job,
          "run-" + offset,
          "{\"job_name\":\"" + job + "\"}",
          false,
          redrives,
          DeadLetter.RUN_FAILED);
    }

    static DeadLetter letter(long offset, String topic, String tenant, String job, Instant time) {
      return letter(offset, topic, tenant, job, time, null);
    }

    static Redrive redrive(int attempt) {
      return new Redrive(T0.plusSeconds(attempt), "admin", "run-r" + attempt, attempt, false);
    }

    @Test
    void aDeadLetterIsReadBackAsWrittenAndWritingItAgainKeepsItsRedrives() {
      DeadLetterStore s = store();
      DeadLetter d = letter(7, "jobline.requests.dlq", "t1", "settle", T0);
      s.putAll(List.of(d));
      assertThat(s.find(d.id())).contains(d);
      assertThat(s.find("nope")).isEmpty();

      assertThat(s.redriven(d.id(), redrive(1))).isTrue();
      assertThat(s.redriven("nope", redrive(1))).isFalse();
      s.putAll(List.of(d));
      assertThat(s.redriven(d.id(), redrive(2))).isTrue();

      DeadLetter found = s.find(d.id()).orElseThrow();
      assertThat(found.redrives()).containsExactly(redrive(1), redrive(2));
      assertThat(found.reason()).isEqualTo("unreadable");
      assertThat(s.find("nope")).isEmpty();
    }

    @Test
    void aLetterIsFoundByTheRunAttemptItWasRedrivenAs() {
      DeadLetterStore s = store();
      DeadLetter d = letter(7, "jobline.requests.dlq", "t1", "settle", T0);
      s.putAll(List.of(d, letter(8, "jobline.requests.dlq", "t1", "settle", T0)));
      s.redriven(d.id(), redrive(2));

      assertThat(s.redrivenAs("run-r2", 2)).map(DeadLetter::id).contains(d.id());
      assertThat(s.redrivenAs("run-r2", 3)).isEmpty();
      assertThat(s.redrivenAs("run-r1", 2)).isEmpty();
    }

    @Test
    void aReservationKeepsWhenItWasTakenWhatItAskedAndWhetherItWasSent() {
      DeadLetterStore s = store();
      assertThat(s.reservation("k1", 1)).isEmpty();
      assertThat(s.reserveAttempt("k1", 1, "api-1", T0, "{\"params\":\"ab\"}", HELD)).isTrue();
      assertThat(s.reservation("k1", 1))
          .contains(new DeadLetterStore.Reservation(T0, false, "{\"params\":\"ab\"}"));

      s.attemptSent("k1", 1, "api-1");
      assertThat(s.reserveAttempt("k1", 1, "api-2", T0.plusSeconds(60), "{}", HELD))
          .as("sent, it holds past its time")
          .isFalse();
      assertThat(s.reservation("k1", 1))
          .as("as the first took it")
          .contains(new DeadLetterStore.Reservation(T0, true, "{\"params\":\"ab\"}"));
      assertThat(s.reserveAttempt("r1", 2, "retry", T0)).isTrue();
      assertThat(s.reservation("r1", 2)).contains(new DeadLetterStore.Reservation(T0, false, null));

      // one not marked sent is taken over after the time the asking gave it
      assertThat(s.reserveAttempt("k2", 1, "api-1", T0, null, HELD)).isTrue();
      assertThat(s.reserveAttempt("k2", 1, "api-2", T0.plusSeconds(9), null, HELD)).isFalse();
      assertThat(s.reserveAttempt("k2", 1, "api-2", T0.plusSeconds(11), null, HELD)).isTrue();
    }

    private static final Duration HELD = Duration.ofSeconds(10);

    @Test
    void anAttemptIsReservedOnceUntilGivenBackOrHeldPastItsTime() {
      DeadLetterStore s = store();
      assertThat(s.reserveAttempt("r1", 2, "retry", T0)).isTrue();
      assertThat(s.reserveAttempt("r1", 2, "redrive", T0.plusSeconds(1))).isFalse();
      assertThat(s.reserveAttempt("r1", 3, "redrive", T0.plusSeconds(1))).isTrue();
      assertThat(s.reserveAttempt("r2", 2, "redrive", T0.plusSeconds(1))).isTrue();

      s.releaseAttempt("r1", 2, "redrive"); // (not its holder: nothing given back)
      assertThat(s.reserveAttempt("r1", 2, "again", T0.plusSeconds(2))).isFalse();
      s.releaseAttempt("r1", 2, "retry");
      assertThat(s.reserveAttempt("r1", 2, "again", T0.plusSeconds(2))).isTrue();

      // one whose api stopped while sending is taken over once held past its time
      Instant later = T0.plusSeconds(2).plus(DeadLetterStore.RESERVATION_HELD);
      assertThat(s.reserveAttempt("r1", 2, "late", later.minusSeconds(1))).isFalse();
      assertThat(s.reserveAttempt("r1", 2, "late", later.plusSeconds(1))).isTrue();
      assertThat(s.reserveAttempt("r1", 2, "later", later.plusSeconds(2))).isFalse();
    }

    @Test
    void anAttemptMarkedSentIsNeverTakenOverHoweverLongItWaits() {
      DeadLetterStore s = store();
      assertThat(s.reserveAttempt("r1", 2, "retry", T0)).isTrue();
      s.attemptSent("r1", 2, "someone-else"); // (not its holder: not marked)
      assertThat(s.reserveAttempt("r3", 2, "retry", T0)).isTrue();
      s.attemptSent("r3", 2, "retry");

      // its request is on its way (Kafka took it), however long it waits for an executor
      Instant past = T0.plus(DeadLetterStore.RESERVATION_HELD).plusSeconds(1);
      assertThat(s.reserveAttempt("r3", 2, "late", past)).isFalse();
      assertThat(s.reserveAttempt("r3", 2, "late", past.plus(Duration.ofHours(12)))).isFalse();
      // one never marked sent (its api stopped while sending) is taken over as before
      assertThat(s.reserveAttempt("r1", 2, "late", past)).isTrue();
    }

    @Test
    void theRedrivesAreTheStoresToRecordNotTheWritersToBringAlong() {
      DeadLetterStore s = store();
      DeadLetter d = letter(1, "jobline.history.dlq", "t1", "settle", T0, List.of(redrive(1)));
      s.putAll(List.of(d));
      assertThat(s.find(d.id()).orElseThrow().redriven()).isFalse();
      assertThat(s.list(new Query(null, null, null, true, null, 10))).isEmpty();
    }

    @Test
    void pagesListNewestFirstFilteredAndFollowTheirCursorWithoutGapsOrRepeats() {
      DeadLetterStore s = store();
      List<DeadLetter> all = new ArrayList<>();
      for (int i = 0; i < 7; i++) {
        all.add(
            letter(
                i,
                i % 2 == 0 ? "jobline.requests.dlq" : "jobline.history.dlq",
                i < 5 ? "t1" : "t2",
                i % 3 == 0 ? "settle" : "report",
                T0.plusSeconds(i)));
      }
      all.add(letter(40, "jobline.requests.dlq", "t1", "settle", T0.plusSeconds(4)));
      s.putAll(all);
      s.redriven(all.get(2).id(), redrive(1));

      List<String> seen = new ArrayList<>();
      PageCursor after = null;
      for (int page = 0; page < 10; page++) {
        List<DeadLetter> got = s.list(new Query(null, null, null, null, after, 3));
        got.forEach(d -> seen.add(d.id()));
        if (got.size() < 3) {
          break;
        }
        DeadLetter last = got.get(got.size() - 1);
        after = new PageCursor(last.time(), last.id());
      }
      assertThat(seen)
          .containsExactly(
              "jobline.requests.dlq:0:6",
              "jobline.history.dlq:0:5",
              "jobline.requests.dlq:0:40",
              "jobline.requests.dlq:0:4",
              "jobline.history.dlq:0:3",
              "jobline.requests.dlq:0:2",
              "jobline.history.dlq:0:1",
              "jobline.requests.dlq:0:0");

      assertThat(s.list(new Query("t2", null, null, null, null, 10)))
          .extracting(DeadLetter::offset)
          .containsExactly(6L, 5L);
      assertThat(s.list(new Query("t1", "settle", "jobline.history.dlq", null, null, 10)))
          .extracting(DeadLetter::offset)
          .containsExactly(3L);
      assertThat(s.list(new Query(null, null, null, true, null, 10)))
          .extracting(DeadLetter::offset)
          .containsExactly(2L);
      assertThat(s.list(new Query(null, null, null, false, null, 10))).hasSize(7);
      assertThat(s.list(new Query("t3", null, null, null, null, 10))).isEmpty();
    }
  }

  @Nested
  class InMemoryDeadLetterStoreAgrees extends DeadLetterStoreContract {
    @Override
    DeadLetterStore store() {
      return new InMemoryDeadLetterStore();
    }
  }

  @Nested
  class MongoDeadLetterStoreAgrees extends DeadLetterStoreContract {
    @Override
    DeadLetterStore store() {
      return new MongoDeadLetterStore(mongo.freshDatabase()).ensureIndexes();
    }
  }

  /** The same on the data-folder store ({@code standalone}'s), whose collections are H2's. */
  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class MongoDeadLetterStoreOnTheDataFolderStoreAgrees extends DeadLetterStoreContract {
    private EmbeddedMongo h2;
    private MongoClient client;

    @BeforeAll
    void startH2(@TempDir Path dir) {
      h2 = EmbeddedMongo.start(dir.resolve("contract.h2"), 0);
      client = MongoClients.create(h2.uri());
    }

    @AfterAll
    void stopH2() {
      client.close();
      h2.close();
    }

    @Override
    DeadLetterStore store() {
      String db = "contract_" + UUID.randomUUID().toString().substring(0, 8);
      return new MongoDeadLetterStore(client.getDatabase(db)).ensureIndexes();
    }
  }
}
