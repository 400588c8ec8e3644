package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import io.jobline.embedded.EmbeddedMongo;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Claims on a Mongo-wire store: a done attempt keeps its end and whether its retry was set. */
class MongoClaimStoreTest {
  private static final Instant T0 = Instant.parse("2026-12-03T12:00:00Z");
  private static final Duration TTL = Duration.ofSeconds(30);
  private static EmbeddedMongo mongo;
  private static MongoClient client;

  @BeforeAll
  static void start() {
    mongo = EmbeddedMongo.start(null, 0);
    client = MongoClients.create(mongo.uri());
  }

  @AfterAll
  static void stop() {
    client.close();
    mongo.close();
  }

  @Test
  void aDoneAttemptTellsItsEndAndWhetherTheRetryItAnnouncedWasSet() {
    ClaimStore claims = new MongoClaimStore(client.getDatabase("claims-retry"));
    ClaimStore.Claim first = claims.claim("r1:1", "exec-a", T0, TTL);
    assertThat(first.outcome()).isEqualTo(ClaimStore.Outcome.CLAIMED);
    assertThat(claims.finish("r1:1", "exec-a", first.epoch(), "{\"end\":1}")).isTrue();

    ClaimStore.Claim done = claims.claim("r1:1", "exec-b", T0.plusSeconds(40), TTL);
    assertThat(done.outcome()).isEqualTo(ClaimStore.Outcome.ALREADY_DONE);
    assertThat(done.terminalEvent()).isEqualTo("{\"end\":1}");
    assertThat(done.retrySet()).isFalse();

    claims.retrySet("r1:1");
    assertThat(claims.claim("r1:1", "exec-b", T0.plusSeconds(41), TTL).retrySet()).isTrue();
    assertThat(claims.claim("r2:1", "exec-b", T0, TTL).retrySet())
        .as("another attempt's note")
        .isFalse();
  }

  @Test
  void aClaimWhoseFirstEpochWasDeletedWhileALaterOneHoldsTheRunIsHeldElsewhere() {
    // found by review: the retention job deletes released claims (their expiry set to 1970);
    // with a run's first epoch gone while its second still held it, the next claim stopped at
    // the hole, took the first epoch again and ran the attempt twice at once
    MongoDatabase db = client.getDatabase("claims-hole");
    ClaimStore claims = new MongoClaimStore(db);
    long first = claims.claim("r1:1", "exec-a", T0, TTL).epoch();
    claims.release("r1:1", "exec-a", first); // a rolling deploy hands the run over
    ClaimStore.Claim second = claims.claim("r1:1", "exec-b", T0.plusSeconds(1), TTL);
    assertThat(second.outcome()).isEqualTo(ClaimStore.Outcome.CLAIMED);
    db.getCollection(MongoClaimStore.COLLECTION)
        .deleteMany(Filters.lt("expires_at", Date.from(T0))); // what the retention job deletes

    ClaimStore.Claim third = claims.claim("r1:1", "exec-c", T0.plusSeconds(2), TTL);
    assertThat(third.outcome()).isEqualTo(ClaimStore.Outcome.HELD_ELSEWHERE);
    assertThat(third.epoch()).isEqualTo(second.epoch());
    ClaimStore.Claim afterIt =
        claims.claim("r1:1", "exec-c", T0.plusSeconds(1).plus(TTL).plusSeconds(1), TTL);
    assertThat(afterIt.outcome()).isEqualTo(ClaimStore.Outcome.CLAIMED);
    assertThat(afterIt.epoch()).as("a new epoch, above the one it fences").isEqualTo(3);
  }
}
