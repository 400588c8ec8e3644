package io.jobline.store;

import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Updates;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bson.Document;
import org.bson.conversions.Bson;

/** {@link ClaimStore} on {@code job_claims}; expiry is decided from timestamps, never by a TTL monitor. */
public final class MongoClaimStore implements ClaimStore {
  public static final String COLLECTION = "job_claims";
  private static final String DONE = "done";
  private final MongoCollection<Document> claims;

  public MongoClaimStore(MongoDatabase db) {
    this.claims = db.getCollection(COLLECTION);
  }

  @Override
  public Claim claim(String key, String owner, Instant now, Duration ttl) {
    Date until = Date.from(now.plus(ttl));
    Document taken = claims.findOneAndUpdate(
        Filters.and(Filters.eq("_id", key), Filters.ne("state", DONE),
            Filters.lt("expires_at", Date.from(now))),
        Updates.combine(Updates.set("owner", owner), Updates.set("expires_at", until),
            Updates.set("state", "running"), Updates.inc("epoch", 1L)),
        new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER));
    if (taken != null) {
      return new Claim(Outcome.CLAIMED, taken.getLong("epoch"), until.toInstant(), null);
    }
    try {
      claims.insertOne(new Document("_id", key).append("owner", owner).append("epoch", 1L)
          .append("expires_at", until).append("state", "running"));
      return new Claim(Outcome.CLAIMED, 1L, until.toInstant(), null);
    } catch (MongoWriteException exists) {
      Document current = claims.find(Filters.eq("_id", key)).first();
      if (current == null) {
        return claim(key, owner, now, ttl);
      }
      if (DONE.equals(current.getString("state"))) {
        return new Claim(Outcome.ALREADY_DONE, current.getLong("epoch"), null, current.getString("terminal"));
      }
      return new Claim(Outcome.HELD_ELSEWHERE, current.getLong("epoch"),
          current.getDate("expires_at").toInstant(), null);
    }
  }

  @Override
  public boolean renew(String key, String owner, long epoch, Instant now, Duration ttl) {
    return claims.updateOne(held(key, owner, epoch),
        Updates.set("expires_at", Date.from(now.plus(ttl)))).getMatchedCount() > 0;
  }

  @Override
  public boolean finish(String key, String owner, long epoch, String terminalEvent) {
    return claims.updateOne(held(key, owner, epoch),
        Updates.combine(Updates.set("state", DONE), Updates.set("terminal", terminalEvent))).getMatchedCount() > 0;
  }

  @Override
  public void release(String key, String owner, long epoch) {
    claims.updateOne(held(key, owner, epoch), Updates.set("expires_at", new Date(0)));
  }

  private static Bson held(String key, String owner, long epoch) {
    return Filters.and(Filters.eq("_id", key), Filters.eq("owner", owner), Filters.eq("epoch", epoch),
        Filters.ne("state", DONE));
  }
}
