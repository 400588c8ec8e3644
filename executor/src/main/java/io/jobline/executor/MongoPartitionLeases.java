package io.jobline.executor;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoServerException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Updates;
import io.jobline.store.MongoExecutorFleet;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.bson.Document;

/**
 * {@link PartitionLeases} in {@code job_partition_leases}, one document per partition; expiry is
 * decided from the stored timestamp, never by a TTL monitor. A few writes per partition and lease
 * period — none per run. The note an owner hands over with stays until the next one replaces it
 * ({@link PartitionLeases.Taken}).
 */
public final class MongoPartitionLeases implements PartitionLeases {
  static final String COLLECTION = MongoExecutorFleet.COLLECTION;
  private final MongoCollection<Document> leases;

  public MongoPartitionLeases(MongoDatabase db) {
    this.leases = db.getCollection(COLLECTION);
  }

  @Override
  public Optional<Taken> take(
      String partition, String owner, Instant now, Duration ttl, boolean anew) {
    Date until = Date.from(now.plus(ttl));
    // already ours (the same executor got the partition back): keep the epoch its runs carry,
    // unless it fenced runs there meanwhile
    Document mine =
        leases.findOneAndUpdate(
            Filters.and(Filters.eq("_id", partition), Filters.eq("owner", owner)),
            Updates.combine(Updates.set("expires_at", until), Updates.inc("epoch", anew ? 1L : 0L)),
            new FindOneAndUpdateOptions().returnDocument(ReturnDocument.BEFORE));
    if (mine != null) {
      return Optional.of(taken(mine, ((Number) mine.get("epoch")).longValue() + (anew ? 1 : 0)));
    }
    try {
      Document before =
          leases.findOneAndUpdate(
              Filters.and(
                  Filters.eq("_id", partition),
                  Filters.or(Filters.eq("owner", null), Filters.lt("expires_at", Date.from(now)))),
              Updates.combine(
                  Updates.set("owner", owner),
                  Updates.set("expires_at", until),
                  Updates.inc("epoch", 1L)),
              new FindOneAndUpdateOptions().upsert(true).returnDocument(ReturnDocument.BEFORE));
      long epoch = before == null ? 1 : ((Number) before.get("epoch")).longValue() + 1;
      return Optional.of(
          before == null ? new Taken(epoch, Set.of(), Map.of(), 0) : taken(before, epoch));
    } catch (MongoServerException held) {
      // findAndModify reports the collision as a command error, a plain update as a write error
      if (ErrorCategory.fromErrorCode(held.getCode()) != ErrorCategory.DUPLICATE_KEY) {
        throw held;
      }
      return Optional.empty(); // another owner holds it; the upsert found its document and collided
    }
  }

  private static Taken taken(Document d, long epoch) {
    Set<Long> finished = new HashSet<>();
    for (Object o : d.getList("finished", Object.class, List.of())) {
      finished.add(((Number) o).longValue());
    }
    Map<Long, String> running = new HashMap<>();
    Document still = d.get("still_running", Document.class);
    if (still != null) {
      still.forEach((offset, key) -> running.put(Long.parseLong(offset), String.valueOf(key)));
    }
    return new Taken(
        epoch, finished, running, d.get("note_base") instanceof Number base ? base.longValue() : 0);
  }

  @Override
  public boolean renew(String partition, String owner, long epoch, Instant now, Duration ttl) {
    return leases
            .updateOne(
                Filters.and(
                    Filters.eq("_id", partition),
                    Filters.eq("owner", owner),
                    Filters.eq("epoch", epoch)),
                Updates.set("expires_at", Date.from(now.plus(ttl))))
            .getMatchedCount()
        == 1;
  }

  @Override
  public void handOver(
      String partition,
      String owner,
      long epoch,
      Set<Long> finished,
      Map<Long, String> stillRunning,
      long base) {
    Document running = new Document();
    stillRunning.forEach((offset, key) -> running.put(Long.toString(offset), key));
    leases.updateOne(
        Filters.and(
            Filters.eq("_id", partition), Filters.eq("owner", owner), Filters.eq("epoch", epoch)),
        Updates.combine(
            Updates.set("owner", null),
            Updates.set("expires_at", new Date(0)),
            Updates.set("finished", List.copyOf(finished)),
            Updates.set("still_running", running),
            Updates.set("note_base", base)));
  }
}
