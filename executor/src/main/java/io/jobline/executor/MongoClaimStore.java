package io.jobline.executor;

import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bson.Document;

/**
 * {@link ClaimStore} on {@code job_claims}, built only from inserts and single-document reads and
 * writes by {@code _id}, so every step is indexed on any Mongo-wire server. Each epoch of a claim
 * is its own document {@code key#epoch}; taking over means inserting {@code key#(epoch+1)}, which
 * the unique {@code _id} lets only one executor do. The end of an attempt is {@code key#done},
 * inserted once with its terminal event. One read of a few ids finds where an attempt stands.
 * Expiry is decided from timestamps here, never by a TTL monitor.
 */
public final class MongoClaimStore implements ClaimStore {
  public static final String COLLECTION = "job_claims";

  /** Set on a lapsed epoch's document as the next epoch is claimed: it can no longer be renewed. */
  static final String TAKEN_OVER = "taken_over";

  private final MongoCollection<Document> claims;

  public MongoClaimStore(MongoDatabase db) {
    this.claims = db.getCollection(COLLECTION);
  }

  private static String epochId(String key, long epoch) {
    return key + "#" + epoch;
  }

  private Document byId(String id) {
    return claims.find(Filters.eq("_id", id)).first();
  }

  /** How many epochs one read looks at; a run taken over more often is probed further. */
  public static final int PROBE = 8;

  @Override
  public Claim claim(String key, String owner, Instant now, Duration ttl) {
    long base = 0;
    Document latest = null;
    while (true) {
      List<String> ids = new ArrayList<>();
      ids.add(key + "#done");
      for (long e = base + 1; e <= base + PROBE; e++) {
        ids.add(epochId(key, e));
      }
      Map<String, Document> found = new HashMap<>();
      claims.find(Filters.in("_id", ids)).forEach(d -> found.put(d.getString("_id"), d));
      Document done = found.get(key + "#done");
      if (done != null) {
        return ended(done);
      }
      // the highest epoch in the window, not the end of an unbroken run from the first: the
      // retention job deletes released claims (and a run's first may be gone while a later one
      // still holds it; stopping at the hole claimed that first epoch again, and ran it twice)
      long e = base;
      for (long probe = base + 1; probe <= base + PROBE; probe++) {
        Document d = found.get(epochId(key, probe));
        if (d != null) {
          e = probe;
          latest = d;
        }
      }
      if (e < base + PROBE) {
        base = e;
        break;
      }
      base = e;
    }
    if (latest != null) {
      Instant expires = latest.getDate("expires_at").toInstant();
      if (expires.isAfter(now)) {
        return new Claim(Outcome.HELD_ELSEWHERE, base, expires, null, false);
      }
      // the lapsed epoch is marked taken over, on its own document, where its holder's renewal
      // looks: a renewal that read no later epoch and then wrote late (a slow store) extended it
      // after this claim was made, and the attempt ran on both executors (found by review). A
      // renewal that lands first leaves it unlapsed, and this claim finds it held.
      if (claims
              .updateOne(
                  Filters.and(
                      Filters.eq("_id", epochId(key, base)),
                      Filters.lte("expires_at", Date.from(now))),
                  Updates.set(TAKEN_OVER, true))
              .getMatchedCount()
          == 0) {
        Document renewed = byId(epochId(key, base));
        Instant until = renewed == null ? now.plus(ttl) : renewed.getDate("expires_at").toInstant();
        return new Claim(Outcome.HELD_ELSEWHERE, base, until, null, false);
      }
    }
    long next = base + 1;
    Date until = Date.from(now.plus(ttl));
    try {
      claims.insertOne(
          new Document("_id", epochId(key, next))
              .append("owner", owner)
              .append("expires_at", until));
    } catch (MongoWriteException taken) {
      return new Claim(Outcome.HELD_ELSEWHERE, next, now.plus(ttl), null, false);
    }
    // the holder of the lapsed epoch may have ended the attempt since the read above: its end
    // looked for no later epoch, found none, and went out (found by review)
    Document done = byId(key + "#done");
    if (done != null) {
      claims.updateOne(
          Filters.eq("_id", epochId(key, next)),
          Updates.combine(
              Updates.set("expires_at", new Date(0)), Updates.set("released_at", new Date())));
      return ended(done);
    }
    return new Claim(Outcome.CLAIMED, next, until.toInstant(), null, false);
  }

  /** The answer for an attempt that ended: its {@code key#done} document says how. */
  private static Claim ended(Document done) {
    return new Claim(
        Outcome.ALREADY_DONE,
        done.getLong("epoch"),
        null,
        done.getString("terminal"),
        done.getBoolean("retry_set", false));
  }

  @Override
  public boolean renew(String key, String owner, long epoch, Instant now, Duration ttl) {
    if (fenced(key, epoch)) {
      return false;
    }
    // (not once a claim marked it taken over, whenever this write lands)
    return claims
            .updateOne(
                Filters.and(Filters.eq("_id", epochId(key, epoch)), Filters.ne(TAKEN_OVER, true)),
                Updates.set("expires_at", Date.from(now.plus(ttl))))
            .getMatchedCount()
        == 1;
  }

  @Override
  public boolean finish(String key, String owner, long epoch, String terminalEvent) {
    if (takenOverAfter(key, epoch)) {
      return false;
    }
    try {
      claims.insertOne(
          new Document("_id", key + "#done")
              .append("epoch", epoch)
              .append("owner", owner)
              .append("terminal", terminalEvent)
              .append("ended_at", new Date()));
      return true;
    } catch (MongoWriteException alreadyEnded) {
      return false;
    }
  }

  @Override
  public void retrySet(String key) {
    claims.updateOne(Filters.eq("_id", key + "#done"), Updates.set("retry_set", true));
  }

  @Override
  public void release(String key, String owner, long epoch) {
    if (!fenced(key, epoch)) {
      // (lapsed at once; when, for the retention job, which deletes an attempt's claims only
      // once all of them are old: a claim a moment ago released is not)
      claims.updateOne(
          Filters.eq("_id", epochId(key, epoch)),
          Updates.combine(
              Updates.set("expires_at", new Date(0)), Updates.set("released_at", new Date())));
    }
  }

  /** Whether another executor has taken over after {@code epoch}, or the attempt already ended. */
  private boolean fenced(String key, long epoch) {
    return takenOverAfter(key, epoch) || byId(key + "#done") != null;
  }

  /**
   * Whether a later epoch than {@code epoch} was claimed: any of the next {@link #PROBE}, in one
   * read, not only the next, which the retention job may have deleted once it was released (a
   * holder that stalled past its lease, a run taken over and handed on since).
   */
  private boolean takenOverAfter(String key, long epoch) {
    List<String> ids = new ArrayList<>(PROBE);
    for (long e = epoch + 1; e <= epoch + PROBE; e++) {
      ids.add(epochId(key, e));
    }
    return claims.find(Filters.in("_id", ids)).first() != null;
  }
}
