package io.jobline.executor;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import io.jobline.embedded.EmbeddedMongo;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
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

  @Test
  void aHolderThatStalledIsFencedThoughTheNextEpochWasReleasedAndDeleted() {
    // found by review of the fix above: fenced and finish looked only at the next epoch, which
    // the retention job deletes once it is released, so a holder waking from a stall went on
    // beside the run's current holder and could record the attempt's end
    MongoDatabase db = client.getDatabase("claims-stalled");
    ClaimStore claims = new MongoClaimStore(db);
    long stalled = claims.claim("r1:1", "exec-b", T0, TTL).epoch();
    Instant later = T0.plus(TTL).plusSeconds(1); // b's claim lapsed: c takes the run, hands it on
    long handedOn = claims.claim("r1:1", "exec-c", later, TTL).epoch();
    claims.release("r1:1", "exec-c", handedOn);
    long current = claims.claim("r1:1", "exec-d", later.plusSeconds(1), TTL).epoch();
    assertThat(current).isEqualTo(3);
    db.getCollection(MongoClaimStore.COLLECTION)
        .deleteMany(Filters.lt("expires_at", Date.from(T0))); // the released epoch 2

    assertThat(claims.renew("r1:1", "exec-b", stalled, later.plusSeconds(2), TTL))
        .as("the stalled holder is fenced")
        .isFalse();
    assertThat(claims.finish("r1:1", "exec-b", stalled, "{\"end\":\"late\"}")).isFalse();
    assertThat(claims.finish("r1:1", "exec-d", current, "{\"end\":\"d\"}")).isTrue();
  }

  @Test
  void aRenewalThatLandsAfterAnotherExecutorClaimedTheLapsedEpochFails() {
    // found by review: the renewal read that no later epoch existed, its write then landed late (a
    // slow store) after another executor had claimed the lapsed epoch's successor, and it
    // succeeded: the attempt ran on both executors
    MongoDatabase db = client.getDatabase("claims-late-renewal");
    MongoClaimStore other = new MongoClaimStore(db);
    String key = "r1:1";
    assertThat(other.claim(key, "exec-a", T0, TTL).epoch()).isEqualTo(1);
    ClaimStore.Claim[] taken = new ClaimStore.Claim[1];
    MongoClaimStore slow =
        new MongoClaimStore(
            beforeTheNextUpdate(
                db, () -> taken[0] = other.claim(key, "exec-b", T0.plus(TTL).plusMillis(1), TTL)));

    boolean renewed = slow.renew(key, "exec-a", 1, T0.plusSeconds(10), TTL);

    assertThat(taken[0].outcome()).isEqualTo(ClaimStore.Outcome.CLAIMED);
    assertThat(taken[0].epoch()).isEqualTo(2);
    assertThat(renewed).as("the holder of epoch 1 learns it was taken over").isFalse();
    assertThat(other.renew(key, "exec-b", 2, T0.plus(TTL).plusSeconds(5), TTL)).isTrue();
  }

  @Test
  void anEndThatLandsWhileTheLapsedEpochIsTakenOverLeavesTheAttemptDone() {
    // found by review: the holder's end looked for no later epoch, found none and went out
    // between the claim's read and its insert; the claim then ran the attempt again
    MongoDatabase db = client.getDatabase("claims-late-end");
    MongoClaimStore holder = new MongoClaimStore(db);
    String key = "r1:1";
    assertThat(holder.claim(key, "exec-a", T0, TTL).epoch()).isEqualTo(1);
    boolean[] ended = new boolean[1];
    MongoClaimStore late =
        new MongoClaimStore(
            beforeTheNextUpdate(
                db, () -> ended[0] = holder.finish(key, "exec-a", 1, "{\"end\":1}")));

    ClaimStore.Claim taken = late.claim(key, "exec-b", T0.plus(TTL).plusMillis(1), TTL);

    assertThat(ended[0]).isTrue();
    assertThat(taken.outcome()).isEqualTo(ClaimStore.Outcome.ALREADY_DONE);
    assertThat(taken.terminalEvent()).isEqualTo("{\"end\":1}");
  }

  @Test
  void aRenewalThatLandsFirstKeepsTheEpochAndTheClaimFindsItHeld() {
    MongoDatabase db = client.getDatabase("claims-renewal-first");
    MongoClaimStore claims = new MongoClaimStore(db);
    assertThat(claims.claim("r1:1", "exec-a", T0, TTL).epoch()).isEqualTo(1);
    // (a renewal read with the time it began, landing just before the claim below)
    assertThat(claims.renew("r1:1", "exec-a", 1, T0.plusSeconds(10), TTL)).isTrue();

    ClaimStore.Claim late = claims.claim("r1:1", "exec-b", T0.plus(TTL).plusMillis(1), TTL);

    assertThat(late.outcome()).isEqualTo(ClaimStore.Outcome.HELD_ELSEWHERE);
    assertThat(late.expiresAt()).isEqualTo(T0.plusSeconds(10).plus(TTL));
  }

  /** {@code db}, running {@code hook} once just before the next update of one document. */
  private static MongoDatabase beforeTheNextUpdate(MongoDatabase db, Runnable hook) {
    boolean[] ran = new boolean[1];
    return (MongoDatabase)
        Proxy.newProxyInstance(
            MongoDatabase.class.getClassLoader(),
            new Class<?>[] {MongoDatabase.class},
            (proxy, method, args) -> {
              Object out = invoke(db, method, args);
              if (!method.getName().equals("getCollection")) {
                return out;
              }
              return Proxy.newProxyInstance(
                  MongoCollection.class.getClassLoader(),
                  new Class<?>[] {MongoCollection.class},
                  (p, m, a) -> {
                    if (m.getName().equals("updateOne") && !ran[0]) {
                      ran[0] = true;
                      hook.run();
                    }
                    return invoke(out, m, a);
                  });
            });
  }

  private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
