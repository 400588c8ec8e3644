package io.jobline.scheduler.lease;

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

/**
 * {@link LeaseStore} in {@code job_locks} (unique {@code lock_key} as {@code _id}). Expiry is
 * decided here from timestamps, never by a TTL monitor: a lease is free once {@code expires_at} is
 * past.
 */
public final class MongoLeaseStore implements LeaseStore {
  public static final String COLLECTION = "job_locks";
  private final MongoCollection<Document> locks;

  public MongoLeaseStore(MongoDatabase db) {
    this.locks = db.getCollection(COLLECTION);
  }

  @Override
  public long tryAcquire(String key, String owner, Instant now, Duration ttl) {
    Date nowDate = Date.from(now);
    try {
      Document held =
          locks.findOneAndUpdate(
              Filters.and(Filters.eq("_id", key), Filters.eq("owner", owner)),
              Updates.set("expires_at", Date.from(now.plus(ttl))),
              new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER));
      if (held != null) {
        return held.getLong("epoch");
      }
      Document taken =
          locks.findOneAndUpdate(
              Filters.and(Filters.eq("_id", key), Filters.lt("expires_at", nowDate)),
              Updates.combine(
                  Updates.set("owner", owner),
                  Updates.set("expires_at", Date.from(now.plus(ttl))),
                  Updates.inc("epoch", 1L)),
              new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER));
      if (taken != null) {
        return taken.getLong("epoch");
      }
      locks.insertOne(
          new Document("_id", key)
              .append("owner", owner)
              .append("expires_at", Date.from(now.plus(ttl)))
              .append("epoch", 1L));
      return 1L;
    } catch (MongoWriteException duplicate) {
      return -1L;
    }
  }

  @Override
  public void release(String key, String owner) {
    locks.updateOne(
        Filters.and(Filters.eq("_id", key), Filters.eq("owner", owner)),
        Updates.set("expires_at", new Date(0)));
  }
}
